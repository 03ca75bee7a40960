"""Plans for the test-only stub engine (tests/firmware/stub_engine), and its reference outputs."""

from __future__ import annotations

import struct
import zlib

import numpy as np

STUB_MAGIC = 0x42555453
STUB_FAULT_ROUNDS = 0xDEADDEAD  # the stub engine executes an undefined instruction


def stub_plan(input_bytes: int, output_bytes: int, rounds: int = 0) -> bytes:
    body = struct.pack("<III", input_bytes, output_bytes, rounds)
    total = 16 + len(body)
    return struct.pack("<IIII", STUB_MAGIC, 1, total, zlib.crc32(body)) + body


def stub_hidden(inp: bytes) -> np.ndarray:
    return np.frombuffer(bytes(b ^ 0x5A for b in inp), dtype=np.int8)


def stub_outputs(inp: bytes, output_bytes: int) -> list[int]:
    hidden = stub_hidden(inp).astype(np.int32)
    return [int(np.clip(hidden[j::output_bytes].sum(), -128, 127)) for j in range(output_bytes)]
