"""The binary plan format shared with the C runtime (firmware_templates/engine/include/th_engine_impl.h).

Every constant here mirrors the C header; ``tests/engine`` checks the C side accepts what this
module writes and rejects corrupted plans.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

PLAN_MAGIC = 0x4C504854  # "THPL"
PLAN_VERSION = 1
CRC_START = 16
HEADER_FORMAT = "<11I4H3I"
HEADER_BYTES = struct.calcsize(HEADER_FORMAT)
TENSOR_FORMAT = "<BBHHHII"
TENSOR_BYTES = struct.calcsize(TENSOR_FORMAT)
OP_FORMAT = "<HHI"
OP_BYTES = struct.calcsize(OP_FORMAT)
NO_TENSOR = -1
NO_OP = 0xFFFF

TYPE_INT8, TYPE_FLOAT32, TYPE_INT32 = 0, 1, 2
TYPE_CODES = {"int8": TYPE_INT8, "float32": TYPE_FLOAT32, "int32": TYPE_INT32}
LOC_ARENA, LOC_WEIGHTS = 0, 1

OPCODES = {
    "CONV_2D": 1,
    "DEPTHWISE_CONV_2D": 2,
    "FULLY_CONNECTED": 3,
    "AVERAGE_POOL_2D": 4,
    "MAX_POOL_2D": 5,
    "ADD": 6,
    "MUL": 7,
    "MEAN": 8,
    "PAD": 9,
    "RESHAPE": 10,
    "CONCATENATION": 11,
    "SOFTMAX": 12,
    "LOGISTIC": 13,
    "RELU": 14,
    "RELU6": 15,
    "QUANTIZE": 16,
    "DEQUANTIZE": 17,
}

# Parameter word order per op, mirroring the CV_/FC_/... enums of th_engine_impl.h.
CONV_FIELDS = (
    "in filt bias out mult shift ksum scratch_off scratch_bytes batch in_h in_w in_c out_h out_w out_c "
    "k_h k_w stride_h stride_w dil_h dil_w pad_h pad_w in_offset out_offset act_min act_max depth_mult wdsp"
).split()
FC_FIELDS = (
    "in filt bias out ksum scratch_off scratch_bytes batch depth out_c in_offset filt_offset out_offset "
    "mult shift act_min act_max"
).split()
POOL_FIELDS = "in out batch in_h in_w c out_h out_w k_h k_w stride_h stride_w pad_h pad_w act_min act_max".split()
EW_FIELDS = "in1 in2 out d0 d1 d2 d3 s1_0 s1_1 s1_2 s1_3 s2_0 s2_1 s2_2 s2_3 in1_offset in2_offset out_offset".split()
ADD_FIELDS = EW_FIELDS + "left_shift m1 sh1 m2 sh2 mo sho act_min act_max".split()
MUL_FIELDS = EW_FIELDS + "mult shift act_min act_max".split()
MEAN_FIELDS = "in out outer reduce inner mult shift in_zp out_zp".split()
PAD_FIELDS = (
    "in out in_d0 in_d1 in_d2 in_d3 out_d0 out_d1 out_d2 out_d3 before_0 before_1 before_2 before_3 value "
    "elem_bytes"
).split()
RESHAPE_FIELDS = "in out bytes".split()
SOFTMAX_FIELDS = "in out rows depth mult shift diff_min".split()
LOGISTIC_FIELDS = "in out size in_zp radius mult shift".split()
RELU_FIELDS = "in out size in_zp out_zp mult shift act_min act_max".split()
RELU6_FIELDS = "in out size lo hi".split()
QUANTIZE_FIELDS = "in out size mode in_zp out_zp mult shift scale_lo scale_hi".split()
DEQUANTIZE_FIELDS = "in out size zp scale_lo scale_hi".split()

FIELDS = {
    "CONV_2D": CONV_FIELDS,
    "DEPTHWISE_CONV_2D": CONV_FIELDS,
    "FULLY_CONNECTED": FC_FIELDS,
    "AVERAGE_POOL_2D": POOL_FIELDS,
    "MAX_POOL_2D": POOL_FIELDS,
    "ADD": ADD_FIELDS,
    "MUL": MUL_FIELDS,
    "MEAN": MEAN_FIELDS,
    "PAD": PAD_FIELDS,
    "RESHAPE": RESHAPE_FIELDS,
    "SOFTMAX": SOFTMAX_FIELDS,
    "LOGISTIC": LOGISTIC_FIELDS,
    "RELU": RELU_FIELDS,
    "RELU6": RELU6_FIELDS,
    "QUANTIZE": QUANTIZE_FIELDS,
    "DEQUANTIZE": DEQUANTIZE_FIELDS,
}


def pack_params(op_name: str, values: dict[str, int]) -> list[int]:
    """Order a dict of named parameters as the C kernel expects (CONCATENATION is built directly)."""
    fields = FIELDS[op_name]
    missing = [f for f in fields if f not in values]
    extra = [k for k in values if k not in fields]
    if missing or extra:
        raise AssertionError(f"{op_name}: params missing {missing} / unexpected {extra}")
    return [int(values[f]) for f in fields]


def float_bits(value: float) -> int:
    return struct.unpack("<i", struct.pack("<f", value))[0]


def double_words(value: float) -> tuple[int, int]:
    lo, hi = struct.unpack("<ii", struct.pack("<d", value))
    return lo, hi


@dataclass
class PlanTensor:
    type_code: int
    location: int
    producer: int
    clobber: int
    offset: int
    nbytes: int


@dataclass
class PlanOp:
    opcode: int
    params: list[int]


def _align(n: int, a: int = 4) -> int:
    return (n + a - 1) // a * a


def build_blob(
    tensors: list[PlanTensor], ops: list[PlanOp], weights: bytes, arena_bytes: int, input_tensor: int, output_tensor: int
) -> bytes:
    """Serialise a plan and stamp its CRC32."""
    tensors_off = HEADER_BYTES
    ops_off = tensors_off + TENSOR_BYTES * len(tensors)
    params_off = _align(ops_off + OP_BYTES * len(ops))
    param_words: list[int] = []
    op_table = bytearray()
    for op in ops:
        op_table += struct.pack(OP_FORMAT, op.opcode, len(op.params), 4 * len(param_words))
        param_words.extend(op.params)
    params = struct.pack(f"<{len(param_words)}i", *param_words)
    weights_off = _align(params_off + len(params), 16)
    plan_bytes = weights_off + len(weights)
    body = bytearray(plan_bytes)
    for i, t in enumerate(tensors):
        struct.pack_into(
            TENSOR_FORMAT, body, tensors_off + i * TENSOR_BYTES, t.type_code, t.location, t.producer, t.clobber, 0,
            t.offset, t.nbytes,
        )
    body[ops_off : ops_off + len(op_table)] = op_table
    body[params_off : params_off + len(params)] = params
    body[weights_off:plan_bytes] = weights
    header = struct.pack(
        HEADER_FORMAT, PLAN_MAGIC, PLAN_VERSION, plan_bytes, 0, arena_bytes, tensors_off, ops_off, params_off,
        len(params), weights_off, len(weights), len(ops), len(tensors), input_tensor, output_tensor, 0, 0, 0,
    )
    body[0:HEADER_BYTES] = header
    crc = zlib.crc32(bytes(body[CRC_START:])) & 0xFFFFFFFF
    struct.pack_into("<I", body, 12, crc)
    return bytes(body)


def blob_crc(blob: bytes) -> int:
    return struct.unpack_from("<I", blob, 12)[0]
