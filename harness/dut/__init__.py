"""Talking to a device under test: the MLPerf Tiny serial protocol plus tinyhil's extensions."""

from harness.dut.client import DB_CHUNK_BYTES, MAX_COMMAND_CHARS, DutClient
from harness.dut.errors import DutCommandError, DutDisconnected, DutError, DutProtocolError, DutTimeout
from harness.dut.records import (
    ArenaInfo,
    BootInfo,
    CycleStats,
    Identity,
    InferenceResult,
    PlanInfo,
    Profile,
    Reply,
    TensorDump,
)

__all__ = [
    "DB_CHUNK_BYTES",
    "MAX_COMMAND_CHARS",
    "ArenaInfo",
    "BootInfo",
    "CycleStats",
    "DutClient",
    "DutCommandError",
    "DutDisconnected",
    "DutError",
    "DutProtocolError",
    "DutTimeout",
    "Identity",
    "InferenceResult",
    "PlanInfo",
    "Profile",
    "Reply",
    "TensorDump",
]
