"""The static arena plan: live tensors never overlap, memory is reused, RESHAPE is free."""

from __future__ import annotations

import struct

import pytest

from harness.engine import plan_format as pf
from harness.engine.compiler import compile_model
from harness.engine.memory_plan import ArenaBuffer, plan_arena
from harness.engine.tflite_model import read_tflite
from harness.paths import SHARED_MODELS_DIR


def test_greedy_reuses_memory_of_dead_buffers():
    bufs = [ArenaBuffer("a", 100, 0, 1), ArenaBuffer("b", 60, 1, 2), ArenaBuffer("c", 100, 2, 3)]
    total = plan_arena(bufs)
    assert total == 160  # a and c share memory, b sits beside them
    assert bufs[0].offset == bufs[2].offset


def test_alignment():
    bufs = [ArenaBuffer("a", 5, 0, 0), ArenaBuffer("b", 3, 0, 0)]
    plan_arena(bufs)
    assert all(b.offset % 4 == 0 for b in bufs)


def _tensor_table(blob: bytes) -> list[tuple]:
    hdr = struct.unpack_from(pf.HEADER_FORMAT, blob, 0)
    n_tensors, tensors_off = hdr[12], hdr[5]
    return [struct.unpack_from(pf.TENSOR_FORMAT, blob, tensors_off + i * pf.TENSOR_BYTES) for i in range(n_tensors)]


@pytest.mark.parametrize("name", ["kws_ref_model.tflite", "vww_96_int8.tflite", "ad01_int8.tflite"])
def test_live_tensors_never_overlap(name):
    path = SHARED_MODELS_DIR / name
    if not path.exists():
        pytest.skip("shared models not present")
    model = read_tflite(path)
    plan = compile_model(path)
    table = _tensor_table(plan.blob)
    n_ops = len(model.operators)
    # lifetime of each arena tensor from the graph
    first: dict[int, int] = {model.inputs[0]: -1}
    last: dict[int, int] = {model.outputs[0]: n_ops}
    for i, op in enumerate(model.operators):
        for t in op.outputs:
            first[t] = i
        for t in op.inputs:
            if t >= 0 and not model.tensors[t].is_constant:
                last[t] = max(last.get(t, -1), i)
    arena = [t for t in first if table[t][1] == pf.LOC_ARENA]
    aliases = {(op.inputs[0], op.outputs[0]) for op in model.operators if op.op_name == "RESHAPE"}
    for a in arena:
        for b in arena:
            if a >= b or (a, b) in aliases or (b, a) in aliases:
                continue
            la, lb = (first[a], last.get(a, first[a])), (first[b], last.get(b, first[b]))
            if la[0] <= lb[1] and lb[0] <= la[1]:
                ra = (table[a][5], table[a][5] + table[a][6])
                rb = (table[b][5], table[b][5] + table[b][6])
                assert ra[1] <= rb[0] or rb[1] <= ra[0], f"{name}: tensors {a} and {b} overlap while both live"
    # reuse: the arena is smaller than the sum of all activations
    assert plan.arena_bytes < sum(table[t][6] for t in arena)
    for a, b in aliases:
        assert table[a][5] == table[b][5], "RESHAPE output should alias its input"
