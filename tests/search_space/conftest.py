"""Shared helpers for the search-space tests."""

from __future__ import annotations

from typing import Any

import pytest

from search_space.counting import ResourceCounts
from search_space.graph import Graph


def graph_signature(graph: Graph) -> list[tuple[Any, ...]]:
    """Everything structural about a graph, in op order, without names."""
    out = []
    for op in graph.ops:
        out.append(
            (
                op.op,
                tuple(graph.tensors[t] for t in op.inputs),
                graph.tensors[op.output],
                op.filter_shape,
                op.has_bias,
                op.stride if op.op not in ("FULLY_CONNECTED", "SOFTMAX", "ADD") else None,
                op.window if op.op not in ("FULLY_CONNECTED", "SOFTMAX", "ADD") else None,
                op.padding if op.op not in ("FULLY_CONNECTED", "SOFTMAX", "ADD") else None,
                op.activation,
            )
        )
    return out


def counts_signature(counts: ResourceCounts) -> dict[str, Any]:
    """Totals and per-op numbers, without names, sources or file sizes."""
    summary = counts.summary()
    for key in ("source", "file_bytes", "peak_sram_op", "engine_arena_bytes", "engine_plan_bytes"):
        summary.pop(key)
    summary["layers"] = [
        (layer.op, layer.output_shape, layer.macs, layer.element_ops, layer.params, layer.weight_bytes, layer.working_bytes)
        for layer in counts.layers
    ]
    return summary


@pytest.fixture(name="graph_sig")
def _graph_sig():
    return graph_signature


@pytest.fixture(name="counts_sig")
def _counts_sig():
    return counts_signature
