"""Plans for the test-only stub engine (tests/firmware/stub_engine), and its reference outputs."""

from __future__ import annotations

import struct
import zlib

import numpy as np

STUB_MAGIC = 0x42555453
STUB_FAULT_ROUNDS = 0xDEADDEAD  # the stub engine executes an undefined instruction


def stub_plan(input_bytes: int, output_bytes: int, rounds: int = 0, *, float_outputs: bool = False) -> bytes:
    """``float_outputs``: float32 outputs (output_bytes / 4 values of sum / 8) instead of int8."""
    body = struct.pack("<III", input_bytes, output_bytes, rounds)
    total = 16 + len(body)
    return struct.pack("<IIII", STUB_MAGIC, 2 if float_outputs else 1, total, zlib.crc32(body)) + body


def stub_hidden(inp: bytes) -> np.ndarray:
    return np.frombuffer(bytes(b ^ 0x5A for b in inp), dtype=np.int8)


def stub_outputs(inp: bytes, output_bytes: int) -> list[int]:
    hidden = stub_hidden(inp).astype(np.int32)
    return [int(np.clip(hidden[j::output_bytes].sum(), -128, 127)) for j in range(output_bytes)]


def stub_float_outputs(inp: bytes, n_out: int) -> list[float]:
    hidden = stub_hidden(inp).astype(np.int32)
    return [float(hidden[j::n_out].sum()) / 8.0 for j in range(n_out)]
