"""Everything the harness knows about a model before it touches a board: its bytes and hash, its
compiled plan, its resource counts, and the oracle's outputs for the inputs it will be run on."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harness.engine.compiler import CompiledPlan, compile_model
from harness.engine.oracle import TflmOracle
from harness.store.records import ModelRecord
from search_space.counting import ResourceCounts, count_graph
from search_space.graph import Graph, graph_from_tflite

log = logging.getLogger(__name__)


def model_hash(tflite: bytes) -> str:
    return hashlib.sha256(tflite).hexdigest()[:16]


def layer_type_ops(graph: Graph) -> tuple[dict[str, float], int]:
    """Paper ops (2 per MAC) split by the latency model's layer types, plus element ops for
    pooling and element-wise layers; and the number of compute layers."""
    counts = count_graph(graph)
    out = {"conv": 0.0, "depthwise": 0.0, "pointwise": 0.0, "fully_connected": 0.0, "pool_elementwise": 0.0}
    layers = 0
    for op, layer in zip(graph.ops, counts.layers, strict=True):
        if op.op == "CONV_2D":
            kind = "pointwise" if op.window == (1, 1) else "conv"
        elif op.op == "DEPTHWISE_CONV_2D":
            kind = "depthwise"
        elif op.op == "FULLY_CONNECTED":
            kind = "fully_connected"
        elif layer.element_ops:
            kind = "pool_elementwise"
        else:
            continue
        out[kind] += 2 * layer.macs + layer.element_ops
        layers += 1
    return out, layers


@dataclass
class PreparedModel:
    """A model ready to run: plan, counts, and (lazily) the oracle's expected outputs."""

    name: str
    tflite: bytes
    plan: CompiledPlan
    counts: ResourceCounts
    ops_by_layer_type: dict[str, float]
    layers: int
    source: str = "file"
    space: str = ""
    arch_spec: dict[str, Any] | None = None
    _oracle: TflmOracle | None = field(default=None, repr=False)

    @property
    def hash(self) -> str:
        return model_hash(self.tflite)

    @property
    def oracle(self) -> TflmOracle:
        if self._oracle is None:
            self._oracle = TflmOracle(self.tflite)
        return self._oracle

    def random_inputs(self, n: int, seed: int) -> list[np.ndarray]:
        """Seeded inputs over the input tensor's whole range (int8) or [-1, 1) (float)."""
        spec = self.plan.input
        rng = np.random.default_rng([seed, int(self.hash[:8], 16)])
        if spec.dtype == "int8":
            return [rng.integers(-128, 128, size=spec.shape, dtype=np.int8) for _ in range(n)]
        return [rng.uniform(-1, 1, size=spec.shape).astype(np.float32) for _ in range(n)]

    def expected(self, x: np.ndarray) -> np.ndarray:
        return self.oracle.run(x)

    def record(self) -> ModelRecord:
        return ModelRecord(
            hash=self.hash,
            source=self.source,
            ops=self.counts.paper_ops,
            macs=self.counts.macs,
            name=self.name,
            space=self.space,
            arch_spec=self.arch_spec,
            params=self.counts.params,
            flash_bytes=self.plan.plan_bytes,
            sram_bytes=self.counts.peak_sram_bytes,
            arena_bytes=self.plan.arena_bytes,
            ops_by_layer_type=self.ops_by_layer_type,
            layers=self.layers,
        )


def prepare_model(
    tflite: bytes | Path | str,
    *,
    name: str | None = None,
    source: str | None = None,
    space: str = "",
    arch_spec: dict[str, Any] | None = None,
) -> PreparedModel:
    """Compile and count a .tflite (bytes or path). Raises the engine's CompileError or the reader's
    TfliteFormatError, both naming the file and what is wrong."""
    if isinstance(tflite, (str, Path)):
        path = Path(tflite)
        data = path.read_bytes()
        name = name or path.stem
        source = source or str(path)
    else:
        data = bytes(tflite)
        name = name or model_hash(data)
        source = source or "bytes"
    plan = compile_model(data, source=name)
    graph = graph_from_tflite(data)
    counts = count_graph(graph, source=name)
    counts.file_bytes = len(data)
    counts.engine_arena_bytes = plan.arena_bytes
    by_type, layers = layer_type_ops(graph)
    return PreparedModel(
        name=name, tflite=data, plan=plan, counts=counts, ops_by_layer_type=by_type, layers=layers,
        source=source, space=space, arch_spec=arch_spec,
    )
