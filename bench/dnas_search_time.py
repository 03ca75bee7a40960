"""Time per DNAS epoch for the KWS space on a board, and the extrapolated time of a full search.

    PYTHONPATH=. python bench/dnas_search_time.py --board nucleo-f446re --latency-ms 150 --epochs 2

Uses the board twin's saved latency fit when there is one (results/latency_models), else the line
given by --slope/--intercept. The data is the espeak-ng keyword set (``--data espeak``, the default:
960 training clips) or the synthetic one (--speakers × --samples).
Prints seconds per epoch (the first includes TensorFlow's tracing), samples per second, and the
projected time of a full search of --full-epochs epochs plus derivation and fine-tuning.
"""

from __future__ import annotations

import argparse
import logging
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--board", default="nucleo-f446re")
    p.add_argument("--latency-ms", type=float, default=150.0)
    p.add_argument("--epochs", type=int, default=2, help="epochs to time")
    p.add_argument("--full-epochs", type=int, default=None,
                   help="epochs of the full search to project (default: the search's default epochs)")
    p.add_argument("--data", choices=("espeak", "synthetic"), default="espeak")
    p.add_argument("--speakers", type=int, default=10)
    p.add_argument("--samples", type=int, default=200, help="samples per speaker")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--slope", type=float, default=11.0, help="ms/Mop when no fit is saved")
    p.add_argument("--intercept", type=float, default=3.0)
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)

    from harness.latency.predictor import NoLatencyModelError
    from harness.pipeline.latency_fit import find_latency_model
    from search_space.dnas.constraints import LatencyLine, latency_line, limits_for_board
    from search_space.dnas.search import SearchConfig, run_search
    from search_space.dnas.synthetic_keywords import KeywordTaskConfig, make_keyword_task

    try:
        line = latency_line(find_latency_model(args.board, "kws"))
        where = f"saved fit {line.board}"
    except NoLatencyModelError:
        line = LatencyLine(args.slope, args.intercept)
        where = "given line"
    limits = limits_for_board(args.board, args.latency_ms, "kws")
    if args.data == "espeak":
        from harness.pipeline.run import PipelineConfig, load_pipeline_data

        _, (x, y) = load_pipeline_data(PipelineConfig(data="espeak"))
    else:
        x, y = make_keyword_task(KeywordTaskConfig(devices=args.speakers, samples_per_device=args.samples)).union()
    if args.full_epochs is None:
        args.full_epochs = SearchConfig().epochs
    config = SearchConfig(epochs=args.epochs, batch_size=args.batch_size, finetune_epochs=1, warmup_epochs=1)
    started = time.perf_counter()
    result = run_search(config, limits, line, x, y, progress=False, convert=True)
    total = time.perf_counter() - started
    train_n = len(y) - max(1, round(config.val_fraction * len(y)))
    per_epoch = result.seconds_per_epoch
    steady = per_epoch[-1]
    tail = total - sum(per_epoch)  # derivation, fit check, 1 fine-tune epoch, conversion
    print(f"board {limits.board}, budget {args.latency_ms:g} ms, latency line from {where}: "
          f"{line.slope:.4g} ms/Mop + {line.intercept:.4g} ms")
    print(f"training samples per epoch: {train_n} (batch {args.batch_size}), cores visible: {os.cpu_count()}")
    for i, s in enumerate(per_epoch, 1):
        print(f"epoch {i}: {s:.1f} s ({train_n / s:.0f} samples/s)")
    print(f"derive + fit check + 1 fine-tune epoch + int8 conversion: {tail:.1f} s")
    full = args.full_epochs * steady + tail
    print(f"projected full search ({args.full_epochs} epochs): {full / 60:.1f} min (steady epoch × epochs + the tail above; target: <= 30 min)")


if __name__ == "__main__":
    main()
