"""Figures for the DUT firmware and its twin sessions (prints them; asserts nothing).

    PYTHONPATH=. /tmp/venv/bin/python bench/dut_twin_protocol.py [--model kws_ref_model.tflite]

- firmware build: cold (empty output directory) and cached, for one board;
- twin session: start-up to the boot banner, with and without the timing plugin;
- protocol: `name` round trip, `db` input load throughput (31 bytes per line, as MLPerf's runner);
- one MLPerf Tiny model (real engine) on the M4 and M7 twins: host time per inference,
  guest instructions and modelled cycles per inference (timing plugin), and the µs they mean at
  the board's clock.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from harness.boards import get_board
from harness.engine.compiler import compile_model
from harness.firmware import build_firmware
from harness.paths import SHARED_MODELS_DIR
from harness.twin.session import TwinSession

TWINS = {"M4": "nucleo-f446re", "M7": "nucleo-f746zg"}


def bench_build() -> None:
    board = get_board("nucleo-f446re")
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        build_firmware(board, "twin", out_root=Path(tmp))
        cold = time.perf_counter() - t
        t = time.perf_counter()
        build_firmware(board, "twin", out_root=Path(tmp))
        warm = time.perf_counter() - t
    print(f"firmware build nucleo-f446re twin: cold {cold:.2f} s, cached {warm * 1000:.1f} ms")


def bench_session(plan: bytes, model: str, x: bytes) -> None:
    image = build_firmware(get_board("nucleo-f446re"), "twin")
    for timing in (False, True):
        starts = []
        for _ in range(5):
            t = time.perf_counter()
            with TwinSession(image, plan=plan, model=model, timing=timing):
                starts.append(time.perf_counter() - t)
        print(f"twin start to boot banner (timing={timing}): median {statistics.median(starts) * 1000:.0f} ms of 5")
    with TwinSession(image, plan=plan, model=model) as twin:
        c = twin.client
        t = time.perf_counter()
        for _ in range(200):
            c.name()
        rtt = (time.perf_counter() - t) / 200
        t = time.perf_counter()
        for _ in range(5):
            c.load_input(x)
        load = (time.perf_counter() - t) / 5
    print(f"`name` round trip: {rtt * 1000:.2f} ms (mean of 200)")
    print(f"db load of {len(x)} bytes: {load * 1000:.0f} ms ({len(x) / load / 1024:.1f} KB/s, mean of 5)")


def bench_model(plan, model: str, x: bytes, n: int) -> None:
    for core, board_name in TWINS.items():
        board = get_board(board_name)
        image = build_firmware(board, "twin")
        with TwinSession(image, plan=plan.blob, model=model, timing=True) as twin:
            twin.client.load_input(x)
            t = time.perf_counter()
            result = twin.client.infer(n, 1, timeout=600)
            host = (time.perf_counter() - t) / (n + 1)
            regions = twin.read_new_regions()
        cycles = statistics.median(r.cycles for r in regions)
        insns = statistics.median(r.instructions for r in regions)
        print(
            f"{model} on {core} twin ({board_name}, {board.clock_hz / 1e6:g} MHz): "
            f"{insns:,.0f} instructions, {cycles:,.0f} modelled cycles = {cycles / board.clock_hz * 1e3:.2f} ms "
            f"at clock (CPI {cycles / insns:.2f}); twin latency (icount, 1 ns/instr) {result.latency_us:.0f} µs; "
            f"host {host * 1000:.0f} ms per inference with the plugin; {plan.macs:,} MACs"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="kws_ref_model.tflite", help="a model in the shared models directory")
    parser.add_argument("--tag", default="kws01")
    parser.add_argument("-n", type=int, default=5, help="timed inferences per twin")
    args = parser.parse_args()
    plan = compile_model(SHARED_MODELS_DIR / args.model)
    x = np.random.default_rng(0).integers(-128, 128, size=plan.input.shape, dtype=np.int8).tobytes()
    bench_build()
    bench_session(plan.blob, args.tag, x)
    bench_model(plan, args.tag, x, args.n)


if __name__ == "__main__":
    main()
