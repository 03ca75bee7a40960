"""Shared helpers for the report tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import numpy as np

from harness.store import BoardRecord, ModelRecord, ResultsStore

M4 = BoardRecord("nucleo-f446re@twin", True, "cortex-m4", 180_000_000, "cortex-m4")
M7 = BoardRecord("nucleo-f746zg@twin", True, "cortex-m7", 216_000_000, "cortex-m7")


def cycles_for(ms: float, board: BoardRecord) -> list[int]:
    c = ms * 1e-3 * board.clock_hz
    return [int(c * f) for f in (0.999, 1.0, 1.0, 1.001, 1.0)]


SLOPE_M4 = {"kws": 14.0, "cifar": 20.0}  # ms per Mop
M4_OVER_M7 = 2.3
FIXED = {"micronets_kws_s.tflite": 16.7e6, "micronets_kws_m.tflite": 31.1e6, "dscnn_s.tflite": 7.1e6}


def populate(store: ResultsStore, seed: int = 0, n_per_space: int = 30):
    rng = np.random.default_rng(seed)
    run = store.begin_run("sweep", {"spaces": ["kws", "cifar"], "boards": [M4.name, M7.name], "seed": seed},
                          compiler_version="arm-none-eabi-gcc 12.2", qemu_version="7.2")
    for space, slope in SLOPE_M4.items():
        for i in range(n_per_space):
            conv, dw, pw = rng.uniform(0.5e6, 4e6), rng.uniform(0.1e6, 1e6), rng.uniform(1e6, 2.5e7)
            ops = int(conv + dw + pw)
            model = ModelRecord(f"{space}-{i:03d}", "sampled", ops, ops // 2, name=f"{space}-{i}", space=space,
                                arch_spec={"i": i}, ops_by_layer_type={"conv": conv, "depthwise": dw, "pointwise": pw},
                                layers=int(rng.integers(8, 20)))
            m4_ms = slope * ops / 1e6 + 3.0 + rng.normal(0, 4.0)
            store.record_measurement(run, model, M4, cycles_for(m4_ms, M4), outputs_checked=True)
            store.record_measurement(run, model, M7, cycles_for(m4_ms / (M4_OVER_M7 + rng.normal(0, 0.03)), M7))
    for path, ops in FIXED.items():
        model = ModelRecord(f"fixed-{path}", f"/models/{path}", int(ops), int(ops) // 2, name=path.split(".")[0])
        m4_ms = 15.0 * ops / 1e6
        store.record_measurement(run, model, M4, cycles_for(m4_ms, M4))
        store.record_measurement(run, model, M7, cycles_for(m4_ms / M4_OVER_M7, M7))
    store.record_failure(run, "kws-broken", M4, attempt=1, kind="timeout", message="no result line in 30 s",
                         console_log="boot ok\nrunning inference\n")
    return store.finish_run(run, "completed")
