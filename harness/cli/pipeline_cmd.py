"""`tinyhil pipeline`: search, federated training, int8, twin verification and a report, in one go.

    tinyhil pipeline --task kws --board nucleo-f446re --latency-ms 200
    tinyhil pipeline --task kws --board nucleo-f446re --latency-ms 200 --rounds 5 --search-epochs 2 --sweep-n 4
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from harness.cli.console import make_console


def register(sub: argparse._SubParsersAction) -> None:
    from harness.pipeline.run import PipelineConfig

    d = PipelineConfig()
    p = sub.add_parser("pipeline", help="DNAS + federated training + int8 + twin check + HTML report")
    p.add_argument("--task", default="kws", choices=("kws",))
    p.add_argument("--board", required=True)
    p.add_argument("--latency-ms", type=float, required=True)
    p.add_argument("--sweep-n", type=int, default=d.sweep_n, help=f"sweep size when no latency fit exists ({d.sweep_n})")
    p.add_argument("--search-epochs", type=int, default=d.search_epochs)
    p.add_argument("--proxy-speakers", type=int, default=d.proxy_speakers, help="search data speakers")
    p.add_argument("--data", choices=("synthetic", "espeak"), default=d.data,
                   help="synthetic speakers, or the espeak-ng keyword set (one device per voice)")
    p.add_argument("--devices", type=int, default=d.devices, help="simulated devices (speakers)")
    p.add_argument("--samples-per-device", type=int, default=d.samples_per_device)
    p.add_argument("--eval-samples", type=int, default=d.eval_samples)
    p.add_argument("--algorithm", default=d.algorithm, choices=("feddyn", "fedavg", "fedprox", "scaffold"))
    p.add_argument("--rounds", type=int, default=d.rounds)
    p.add_argument("--participation", type=float, default=d.participation)
    p.add_argument("--local-epochs", type=int, default=d.local_epochs)
    p.add_argument("--local-lr", type=float, default=d.local_lr)
    p.add_argument("--init", choices=("searched", "fresh"), default=d.init)
    p.add_argument("--models-dir", type=Path, default=None, help="latency models (default results/latency_models)")
    p.add_argument("--db", type=Path, default=None, help="results database for the sweep (default <out>/results.sqlite)")
    p.add_argument("--out", type=Path, default=None, help="output directory (default results/pipeline-<board>-<time>)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from harness.paths import RESULTS_DIR
    from harness.pipeline.run import PipelineConfig, run_pipeline

    console = make_console()
    config = PipelineConfig(
        board=args.board, latency_ms=args.latency_ms, task=args.task, sweep_n=args.sweep_n,
        search_epochs=args.search_epochs, proxy_speakers=args.proxy_speakers, devices=args.devices,
        samples_per_device=args.samples_per_device, eval_samples=args.eval_samples, algorithm=args.algorithm,
        rounds=args.rounds, participation=args.participation, local_epochs=args.local_epochs,
        local_lr=args.local_lr, init=args.init, data=args.data, seed=args.seed,
    )
    out = args.out or RESULTS_DIR / f"pipeline-{config.board}-{time.strftime('%Y%m%d-%H%M%S')}"
    res = run_pipeline(config, out, store_path=args.db, models_dir=args.models_dir, progress=not args.no_progress,
                       say=console.print)
    s = res.summary()
    console.print(f"latency: predicted {res.predicted_latency_ms:.2f} ms, measured {res.measured_latency_ms:.2f} ms "
                  f"({s['latency_error_pct']:+.1f} %), budget {config.latency_ms:g} ms")
    console.print(f"SRAM: {res.arena_needed_bytes} B of {res.limits.arena_bytes} B arena; flash: plan "
                  f"{res.plan_bytes} B of {res.plan_slot_bytes} B; accuracy float {100 * res.float_accuracy:.2f} %, "
                  f"int8 {100 * res.int8_accuracy:.2f} %; bit-exact on {res.bit_exact_inputs} inputs")
    console.print(f"report: {res.files['report']}")
    return 0 if all(s["fits"].values()) else 1
