"""Read a .tflite flatbuffer into plain dataclasses.

The reader uses the flatbuffers schema shipped in the pinned ``tflite-micro`` wheel and turns the
model into :class:`TfliteModel` (tensors, operators, subgraph inputs/outputs) with constant data
as numpy arrays and builtin options as plain dicts. Any malformed file raises
:class:`TfliteFormatError` naming the file and what is wrong.

Typical use::

    model = read_tflite("kws_ref_model.tflite")
    for op in model.operators:
        print(op.index, op.op_name, op.inputs, op.outputs, op.options)
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

__all__ = [
    "TfliteFormatError",
    "QuantParams",
    "TensorInfo",
    "OperatorInfo",
    "TfliteModel",
    "read_tflite",
]

_TFLITE_IDENTIFIER = b"TFL3"

# TensorType enum value -> (name, numpy dtype or None when not representable)
_TENSOR_TYPES: dict[int, tuple[str, Any]] = {}
for _name, _value in vars(schema.TensorType).items():
    if not _name.startswith("_") and isinstance(_value, int):
        _TENSOR_TYPES[_value] = (_name.lower(), None)
_NUMPY_TYPES = {
    "float32": np.float32,
    "float16": np.float16,
    "float64": np.float64,
    "int32": np.int32,
    "uint8": np.uint8,
    "int64": np.int64,
    "bool": np.bool_,
    "int16": np.int16,
    "int8": np.int8,
    "uint64": np.uint64,
    "uint32": np.uint32,
    "uint16": np.uint16,
}
_TENSOR_TYPES = {k: (n, _NUMPY_TYPES.get(n)) for k, (n, _) in _TENSOR_TYPES.items()}

_BUILTIN_OP_NAMES: dict[int, str] = {
    v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_") and isinstance(v, int)
}


class TfliteFormatError(ValueError):
    """A .tflite file that cannot be read; the message names the file and the problem."""

    def __init__(self, source: str, message: str):
        self.source = source
        self.detail = message
        super().__init__(f"{source}: {message}")


@dataclass(frozen=True)
class QuantParams:
    """Affine quantisation: real = scale * (q - zero_point), per tensor or per channel."""

    scales: tuple[float, ...]
    zero_points: tuple[int, ...]
    quantized_dimension: int = 0

    @property
    def per_channel(self) -> bool:
        return len(self.scales) > 1


@dataclass
class TensorInfo:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str  # lower-case TensorType name: "int8", "float32", "int32", ...
    quant: QuantParams | None
    data: np.ndarray | None  # constant data reshaped to `shape`, or None for activations
    buffer_index: int = 0

    @property
    def is_constant(self) -> bool:
        return self.data is not None

    @property
    def numpy_dtype(self) -> Any:
        for _k, (name, npd) in _TENSOR_TYPES.items():
            if name == self.dtype:
                return npd
        return None

    @property
    def num_elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= int(d)
        return n

    @property
    def nbytes(self) -> int:
        npd = self.numpy_dtype
        size = np.dtype(npd).itemsize if npd is not None else 1
        return self.num_elements * size


@dataclass
class OperatorInfo:
    index: int
    op_name: str  # e.g. "CONV_2D"; custom ops are "CUSTOM:<code>"
    inputs: tuple[int, ...]  # tensor indices; -1 marks an omitted optional input
    outputs: tuple[int, ...]
    options: dict[str, Any] = field(default_factory=dict)
    version: int = 1


@dataclass
class TfliteModel:
    source: str
    tensors: list[TensorInfo]
    operators: list[OperatorInfo]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    schema_version: int = 3
    description: str = ""
    num_subgraphs: int = 1

    def tensor(self, index: int) -> TensorInfo:
        return self.tensors[index]

    @property
    def op_names(self) -> list[str]:
        return [op.op_name for op in self.operators]


def _camel_to_snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _options_dict(opts: Any) -> dict[str, Any]:
    if opts is None:
        return {}
    out: dict[str, Any] = {}
    for key, value in vars(opts).items():
        if isinstance(value, np.ndarray):
            value = value.tolist()
        out[_camel_to_snake(key)] = value
    return out


def _decode(text: Any) -> str:
    if text is None:
        return ""
    if isinstance(text, bytes):
        return text.decode("utf-8", errors="replace")
    return str(text)


def _check_header(data: bytes, source: str) -> None:
    if len(data) < 8:
        raise TfliteFormatError(source, f"file is {len(data)} bytes, too short to be a .tflite model")
    root = struct.unpack_from("<I", data, 0)[0]
    if data[4:8] != _TFLITE_IDENTIFIER:
        raise TfliteFormatError(
            source, f"missing the TFL3 file identifier (found {data[4:8]!r}); not a TensorFlow Lite model"
        )
    if root + 4 > len(data):
        raise TfliteFormatError(source, f"root table offset {root} points past the end of the file ({len(data)} bytes); truncated")


def _unpack(data: bytes, source: str) -> Any:
    try:
        return schema.ModelT.InitFromPackedBuf(data, 0)
    except struct.error as exc:
        raise TfliteFormatError(source, f"truncated or corrupt flatbuffer: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - any failure inside the generated reader means a bad file
        raise TfliteFormatError(source, f"corrupt flatbuffer ({type(exc).__name__}: {exc})") from None


def _buffer_bytes(model: Any, buffer_index: int, data: bytes, source: str, tensor_name: str) -> bytes | None:
    buffers = model.buffers or []
    if buffer_index <= 0:
        return None
    if buffer_index >= len(buffers):
        raise TfliteFormatError(source, f"tensor {tensor_name!r} refers to buffer {buffer_index}, model has {len(buffers)}")
    buf = buffers[buffer_index]
    if buf is None:
        return None
    if buf.data is not None and len(buf.data) > 0:
        return np.asarray(buf.data, dtype=np.uint8).tobytes()
    if buf.offset and buf.size:
        if buf.offset + buf.size > len(data):
            raise TfliteFormatError(
                source, f"buffer {buffer_index} (tensor {tensor_name!r}) lies past the end of the file; truncated"
            )
        return bytes(data[buf.offset : buf.offset + buf.size])
    return None


def read_tflite(model: str | Path | bytes | bytearray | memoryview, *, source: str | None = None) -> TfliteModel:
    """Read a .tflite model from a path or from its bytes (first subgraph only)."""
    if isinstance(model, (bytes, bytearray, memoryview)):
        data = bytes(model)
        src = source or "<tflite bytes>"
    else:
        path = Path(model)
        src = source or str(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise TfliteFormatError(src, "file not found") from None
        except OSError as exc:
            raise TfliteFormatError(src, f"cannot read: {exc.strerror}") from None
    _check_header(data, src)
    m = _unpack(data, src)
    if not m.subgraphs:
        raise TfliteFormatError(src, "model has no subgraphs")
    sg = m.subgraphs[0]
    op_codes = m.operatorCodes or []
    tensors: list[TensorInfo] = []
    try:
        for i, t in enumerate(sg.tensors or []):
            name = _decode(t.name)
            if t.type not in _TENSOR_TYPES:
                raise TfliteFormatError(src, f"tensor {i} ({name!r}) has unknown type code {t.type}")
            dtype, npd = _TENSOR_TYPES[t.type]
            shape = tuple(int(d) for d in (t.shape if t.shape is not None else []))
            quant = None
            q = t.quantization
            if q is not None and q.scale is not None and len(q.scale) > 0:
                zps = list(q.zeroPoint) if q.zeroPoint is not None else [0] * len(q.scale)
                quant = QuantParams(
                    scales=tuple(float(s) for s in q.scale),
                    zero_points=tuple(int(z) for z in zps),
                    quantized_dimension=int(q.quantizedDimension),
                )
            raw = _buffer_bytes(m, int(t.buffer), data, src, name)
            arr = None
            if raw is not None:
                if npd is None:
                    raise TfliteFormatError(src, f"tensor {i} ({name!r}) holds constant data of unsupported type {dtype}")
                itemsize = np.dtype(npd).itemsize
                count = 1
                for d in shape:
                    count *= d
                if len(raw) != count * itemsize:
                    raise TfliteFormatError(
                        src,
                        f"tensor {i} ({name!r}) shape {list(shape)} {dtype} needs {count * itemsize} bytes, "
                        f"its buffer has {len(raw)}",
                    )
                arr = np.frombuffer(raw, dtype=np.dtype(npd).newbyteorder("<")).astype(npd).reshape(shape)
            tensors.append(TensorInfo(i, name, shape, dtype, quant, arr, int(t.buffer)))
        operators: list[OperatorInfo] = []
        for i, op in enumerate(sg.operators or []):
            if op.opcodeIndex >= len(op_codes):
                raise TfliteFormatError(src, f"operator {i} uses opcode index {op.opcodeIndex}, model has {len(op_codes)}")
            code = op_codes[op.opcodeIndex]
            builtin = max(int(code.builtinCode), int(code.deprecatedBuiltinCode))
            if builtin == schema.BuiltinOperator.CUSTOM:
                op_name = f"CUSTOM:{_decode(code.customCode)}"
            else:
                op_name = _BUILTIN_OP_NAMES.get(builtin, f"UNKNOWN_{builtin}")
            ins = tuple(int(x) for x in (op.inputs if op.inputs is not None else []))
            outs = tuple(int(x) for x in (op.outputs if op.outputs is not None else []))
            for idx in ins + outs:
                if idx >= len(tensors) or idx < -1:
                    raise TfliteFormatError(src, f"operator {i} ({op_name}) refers to tensor {idx}, subgraph has {len(tensors)}")
            operators.append(OperatorInfo(i, op_name, ins, outs, _options_dict(op.builtinOptions), int(code.version)))
        inputs = tuple(int(x) for x in (sg.inputs if sg.inputs is not None else []))
        outputs = tuple(int(x) for x in (sg.outputs if sg.outputs is not None else []))
        for idx in inputs + outputs:
            if not 0 <= idx < len(tensors):
                raise TfliteFormatError(src, f"subgraph input/output tensor {idx} does not exist ({len(tensors)} tensors)")
    except TfliteFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - malformed contents the checks above did not anticipate
        raise TfliteFormatError(src, f"corrupt model contents ({type(exc).__name__}: {exc})") from None
    return TfliteModel(
        source=src,
        tensors=tensors,
        operators=operators,
        inputs=inputs,
        outputs=outputs,
        schema_version=int(m.version),
        description=_decode(m.description),
        num_subgraphs=len(m.subgraphs),
    )
