"""Engine figures for the shared MLPerf Tiny models: MACs, memory against TFLM, flash, cycles.

    PYTHONPATH=. python bench/engine_report.py                 # memory figures (host only)
    PYTHONPATH=. python bench/engine_report.py --twin nucleo-f446re   # + modelled cycles on the twin

Memory: arena = activations + scratch of the static plan; runtime state = sizeof(th_engine_t) on a
32-bit MCU; peak RAM = both, compared with TFLM's arena totals for the same models (README of
/work/shared/models). Flash = plan (weights + tables) + engine code estimate for the board's core.
Cycles: the twin's timing plugin (QEMU TCG + instruction timing model), via harness.runtime.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.boards import get_board  # noqa: E402
from harness.engine.code_size import engine_code_bytes  # noqa: E402
from harness.engine.compiler import compile_model  # noqa: E402
from harness.paths import SHARED_MODELS_DIR  # noqa: E402

TFLM_ARENA_TOTAL = {"kws_ref_model.tflite": 24_272, "vww_96_int8.tflite": 103_680, "ad01_int8.tflite": 3_984}


def twin_cycles(board_name: str, paths: list[Path]) -> dict[str, tuple[float, int]]:
    """Median modelled cycles per model on the board's twin (outputs checked against TFLM)."""
    from harness.runtime.attach import find_connection, open_target
    from harness.runtime.model_prep import prepare_model
    from harness.runtime.profiler import ProfileSettings, profile_model

    conn = find_connection(board_name, twin=True)
    out: dict[str, tuple[float, int]] = {}
    with open_target(conn) as target:
        settings = ProfileSettings.for_target(target, check_inputs=1)
        for path in paths:
            try:
                result = profile_model(target, prepare_model(path), settings)
            except Exception as exc:  # noqa: BLE001 - report and keep going with the other models
                logging.warning("%s on %s twin: %s", path.name, board_name, exc)
                continue
            out[path.name] = (result.cycles_median, result.outputs_checked)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--board", default="nucleo-f446re", help="board for the flash/code figures")
    ap.add_argument("--twin", metavar="BOARD", help="also measure modelled cycles on this board's twin")
    args = ap.parse_args()
    board = get_board(args.board)
    code = engine_code_bytes(board.core.name, dsp=board.core.dsp)
    paths = [SHARED_MODELS_DIR / name for name in TFLM_ARENA_TOTAL]
    cycles = twin_cycles(args.twin, paths) if args.twin else {}
    cols = ["model", "MACs", "arena B", "state B", "peak RAM B", "TFLM arena B", "RAM/TFLM", "weights B", "plan B",
            "flash B", "cycles", "cycles/MAC"]
    rows = []
    for path in paths:
        plan = compile_model(path)
        peak = plan.peak_ram_bytes
        cyc = cycles.get(path.name)
        rows.append([
            path.name, f"{plan.macs:,}", f"{plan.arena_bytes:,}", f"{plan.runtime_state_bytes}", f"{peak:,}",
            f"{TFLM_ARENA_TOTAL[path.name]:,}", f"{peak / TFLM_ARENA_TOTAL[path.name]:.3f}",
            f"{plan.weights_bytes:,}", f"{plan.plan_bytes:,}", f"{plan.plan_bytes + (code or 0):,}",
            f"{cyc[0]:,.0f}" if cyc else "-", f"{cyc[0] / plan.macs:.2f}" if cyc else "-",
        ])
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
    print("  ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True)))
    for r in rows:
        print("  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)))
    print(f"engine code estimate ({board.core.name}, DSP {'on' if board.core.dsp else 'off'}): "
          f"{code if code is not None else 'unknown'} bytes (included in flash B)")
    if args.twin:
        print(f"cycles: modelled on the {args.twin} twin (median of the timed inferences)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
