"""Bad input: corrupt .tflite files, unsupported ops and parameters, and corrupt plans in C."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from engine_model_factory import convert_int8

from harness.engine import plan_format as pf
from harness.engine.compiler import CompileError, compile_model
from harness.engine.host_engine import EngineError, HostEngine, validate_plan
from harness.engine.tflite_model import TfliteFormatError, read_tflite
from harness.paths import SHARED_MODELS_DIR

KWS = SHARED_MODELS_DIR / "kws_ref_model.tflite"

TH_ERR = {"MAGIC": -1, "VERSION": -2, "CHECKSUM": -3, "TRUNCATED": -4, "ARENA": -5, "OP": -6, "TENSOR": -7}


@pytest.fixture(scope="module")
def kws_bytes() -> bytes:
    if not KWS.exists():
        pytest.skip("shared models not present")
    return KWS.read_bytes()


@pytest.fixture(scope="module")
def kws_plan(kws_bytes):
    return compile_model(kws_bytes, source="kws_ref_model.tflite")


@pytest.mark.parametrize("cut", [0, 7, 100, 5000, -64])
def test_truncated_tflite_is_a_clear_error(kws_bytes, tmp_path, cut):
    path = tmp_path / "cut.tflite"
    path.write_bytes(kws_bytes[:cut])
    with pytest.raises(TfliteFormatError) as err:
        compile_model(path)
    assert str(path) in str(err.value)


def test_not_a_tflite_file(tmp_path):
    path = tmp_path / "notes.tflite"
    path.write_bytes(b"hello, this is not a flatbuffer at all" * 4)
    with pytest.raises(TfliteFormatError, match="TFL3"):
        read_tflite(path)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(TfliteFormatError, match="file not found"):
        read_tflite(tmp_path / "nope.tflite")


def test_random_corruption_never_leaks_library_errors(kws_bytes):
    rng = np.random.default_rng(3)
    for _ in range(40):
        data = bytearray(kws_bytes)
        for pos in rng.integers(0, len(data), size=30):
            data[pos] = int(rng.integers(0, 256))
        try:
            compile_model(bytes(data))
        except (TfliteFormatError, CompileError):
            pass  # a clear error is fine; so is a model that still compiles (weights hit)


def test_unsupported_op_names_index_and_op():
    def build():
        import tensorflow as tf

        inp = tf.keras.Input(shape=(10,), batch_size=1)
        return tf.keras.Model(inp, tf.keras.layers.Activation("tanh")(tf.keras.layers.Dense(8)(inp)))

    data = convert_int8("tanh_unsupported", build, [(10,)])
    assert "TANH" in read_tflite(data).op_names
    with pytest.raises(CompileError) as err:
        compile_model(data, source="tanh.tflite")
    msg = str(err.value)
    assert "operator 1 (TANH)" in msg and "not supported" in msg and "tanh.tflite" in msg


def test_unsupported_parameter_names_it(kws_bytes):
    model = read_tflite(kws_bytes)
    model.operators[0].options["fused_activation_function"] = 4  # TANH, not foldable into a clamp
    with pytest.raises(CompileError, match=r"operator 0 \(CONV_2D\), fused_activation_function: TANH"):
        compile_model(model)
    model = read_tflite(kws_bytes)
    model.operators[1].options["padding"] = 7
    with pytest.raises(CompileError, match=r"operator 1 \(DEPTHWISE_CONV_2D\), padding"):
        compile_model(model)


def _restamp(blob: bytearray) -> bytes:
    struct.pack_into("<I", blob, 12, zlib.crc32(bytes(blob[pf.CRC_START :])) & 0xFFFFFFFF)
    return bytes(blob)


def test_valid_plan_info(kws_plan):
    rc, info = validate_plan(kws_plan.blob)
    assert rc == 0
    assert info.plan_crc32 == int(kws_plan.plan_hash, 16)
    assert info.arena_bytes == kws_plan.arena_bytes and info.n_ops == len(kws_plan.ops)
    assert info.input_bytes == 490 and info.output_bytes == 12


def test_c_validation_rejects_corrupt_plans(kws_plan):
    blob = kws_plan.blob
    assert validate_plan(b"XXXX" + blob[4:])[0] == TH_ERR["MAGIC"]
    bad = bytearray(blob)
    struct.pack_into("<I", bad, 4, 99)
    assert validate_plan(bytes(bad))[0] == TH_ERR["VERSION"]
    flipped = bytearray(blob)
    flipped[len(blob) // 2] ^= 0x40
    assert validate_plan(bytes(flipped))[0] == TH_ERR["CHECKSUM"]
    assert validate_plan(blob[: len(blob) - 10])[0] == TH_ERR["TRUNCATED"]
    assert validate_plan(blob[:20])[0] == TH_ERR["TRUNCATED"]


def _params_of_op(blob: bytes, op_index: int) -> tuple[int, int]:
    hdr = struct.unpack_from(pf.HEADER_FORMAT, blob, 0)
    ops_off, params_off = hdr[6], hdr[7]
    _, n, off = struct.unpack_from(pf.OP_FORMAT, blob, ops_off + op_index * pf.OP_BYTES)
    return params_off + off, n


def test_c_validation_checks_op_params_and_bounds(kws_plan):
    # a conv stride of 0 (CRC made valid again, so only the op check can catch it)
    start, n = _params_of_op(kws_plan.blob, 0)
    assert n == len(pf.CONV_FIELDS)
    bad = bytearray(kws_plan.blob)
    struct.pack_into("<i", bad, start + 4 * pf.CONV_FIELDS.index("stride_h"), 0)
    assert validate_plan(_restamp(bad))[0] == TH_ERR["OP"]
    # an input channel count that no longer matches the tensor size
    bad = bytearray(kws_plan.blob)
    struct.pack_into("<i", bad, start + 4 * pf.CONV_FIELDS.index("in_c"), 3)
    assert validate_plan(_restamp(bad))[0] == TH_ERR["OP"]
    # a tensor placed past the end of the arena
    bad = bytearray(kws_plan.blob)
    struct.pack_into("<I", bad, pf.HEADER_BYTES + 8, kws_plan.arena_bytes)  # tensor 0 offset
    assert validate_plan(_restamp(bad))[0] == TH_ERR["TRUNCATED"]
    # an unknown opcode
    bad = bytearray(kws_plan.blob)
    ops_off = struct.unpack_from(pf.HEADER_FORMAT, bad, 0)[6]
    struct.pack_into("<H", bad, ops_off, 200)
    assert validate_plan(_restamp(bad))[0] == TH_ERR["OP"]


def test_intermediate_reused_memory_is_refused(kws_plan):
    engine = HostEngine(kws_plan)
    x = np.zeros(kws_plan.input.shape, np.int8)
    engine.run(x)  # all ops ran: the first conv's output buffer has been reused since
    first_out = kws_plan.op_outputs[0][0]
    with pytest.raises(EngineError, match="-7"):
        engine.tensor(first_out, (1, 25, 5, 64), "int8")
    # the model output is always readable
    assert engine.tensor(kws_plan.output.index, kws_plan.output.shape, "int8").shape == (1, 12)


def _mutated_plans(blob: bytes, count: int, seed: int) -> list[bytes]:
    rng = np.random.default_rng(seed)
    hdr = struct.unpack_from(pf.HEADER_FORMAT, blob, 0)
    params_off, params_bytes = hdr[7], hdr[8]
    plans = []
    for _ in range(count):
        bad = bytearray(blob)
        for _k in range(int(rng.integers(1, 3))):
            word = int(rng.integers(0, params_bytes // 4))
            value = int(rng.choice([0, 1, -1, 2, 3, 7, 64, 1000, -129, 2**20, int(rng.integers(-300, 300))]))
            struct.pack_into("<i", bad, params_off + 4 * word, value)
        plans.append(_restamp(bad))
    return plans


@pytest.mark.parametrize("dsp", [0, 1], ids=["ref", "dsp"])
def test_validated_plans_with_mutated_params_run_safely(kws_plan, tmp_path, dsp):
    """Mutate op parameters (CRC re-stamped, so only the op checks stand guard): every plan the
    validator accepts must run without touching memory outside the plan, its arena and the engine
    state. The engine is built with AddressSanitizer + UBSan and given exactly the arena asked for."""
    import shutil
    import subprocess

    from harness.engine.host_build import INCLUDE_DIR, SRC_DIR

    cc = shutil.which("gcc")
    if cc is None:
        pytest.skip("no host gcc")
    exe = tmp_path / "plan_runner"
    driver = Path(__file__).parent / "c" / "plan_runner.c"
    build = subprocess.run(
        [cc, "-std=c11", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined",
         "-fno-sanitize-recover=all", f"-DTH_USE_DSP={dsp}", f"-I{INCLUDE_DIR}", str(driver),
         *map(str, sorted(SRC_DIR.glob("*.c"))), "-lm", "-o", str(exe)],
        capture_output=True, text=True)
    if build.returncode != 0 and "sanitize" in build.stderr:
        pytest.skip("sanitizers not available")
    assert build.returncode == 0, build.stderr
    files = []
    for i, blob in enumerate([kws_plan.blob, *_mutated_plans(kws_plan.blob, 200, seed=5 + dsp)]):
        f = tmp_path / f"p{i}.thplan"
        f.write_bytes(blob)
        files.append(str(f))
    run = subprocess.run([str(exe), *files], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    codes = [int(line.split()[1]) for line in run.stdout.splitlines()]
    assert codes[0] == 0  # the unmodified plan
    accepted, rejected = codes.count(0), sum(1 for c in codes if c < 0)
    assert rejected > 50 and accepted > 10, (accepted, rejected)  # both branches exercised
