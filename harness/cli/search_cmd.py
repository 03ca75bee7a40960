"""`tinyhil search`: DNAS for a board's latency, SRAM and flash budget.

    tinyhil search --task kws --board nucleo-f446re --latency-ms 150 --data espeak
    tinyhil search --task kws --board nucleo-f446re --latency-ms 200 --sweep-n 12   # fit first if needed

Writes ``arch_spec.json``, ``model_int8.tflite``, ``search_log.jsonl`` (one JSON line per epoch:
temperature, losses, resource targets, expected and derived resources, the architecture distribution) and
``search.json`` to ``--out`` (default results/search-<board>-<time>).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from harness.cli.console import make_console


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="DNAS under a board's latency, SRAM and flash limits (KWS)")
    p.add_argument("--task", default="kws", choices=("kws",), help="search space and data (kws)")
    p.add_argument("--board", required=True, help="board name (its twin's latency fit is used)")
    p.add_argument("--latency-ms", type=float, required=True, help="latency budget in ms")
    p.add_argument("--epochs", type=int, default=30, help="search epochs, warm-up included (default 30)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--finetune-epochs", type=int, default=5, help="fine-tuning epochs of the derived model")
    p.add_argument("--data", choices=("synthetic", "espeak"), default="synthetic",
                   help="synthetic speakers (default), or the espeak-ng keyword set (all voices' clips; evaluated "
                        "on its held-out voices)")
    p.add_argument("--speakers", type=int, default=20, help="speakers in the synthetic keyword set (default 20)")
    p.add_argument("--samples-per-speaker", type=int, default=200)
    p.add_argument("--models-dir", type=Path, default=None, help="latency models (default results/latency_models)")
    p.add_argument("--sweep-n", type=int, default=0,
                   help="when the board has no latency fit: sweep this many architectures and fit (default: error)")
    p.add_argument("--db", type=Path, default=None, help="results database for --sweep-n")
    p.add_argument("--out", type=Path, default=None, help="output directory")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from harness.cli.main import CliError
    from harness.latency.predictor import NoLatencyModelError
    from harness.paths import RESULTS_DIR
    from harness.pipeline.latency_fit import ensure_latency_model, find_latency_model
    from harness.store.export import write_atomically
    from search_space.dnas.constraints import check_feasible, latency_line, limits_for_board

    console = make_console()
    limits = limits_for_board(args.board, args.latency_ms, args.task)
    check_feasible(args.task, limits, None)
    try:
        if args.sweep_n:
            from harness.store.results_store import default_store_path

            fit, _ = ensure_latency_model(limits.board, args.task, store_path=args.db or default_store_path(),
                                          models_dir=args.models_dir, n=args.sweep_n, seed=args.seed,
                                          progress=not args.no_progress)
        else:
            fit = find_latency_model(limits.board, args.task, args.models_dir)
    except NoLatencyModelError as exc:
        raise CliError(f"{exc}; run `tinyhil sweep` + `tinyhil fit`, or pass --sweep-n N") from None
    line = latency_line(fit)
    minimum = check_feasible(args.task, limits, line)
    console.print(f"budget on {limits.board}: {limits.latency_ms:g} ms, {limits.sram_bytes} B working memory, "
                  f"{limits.flash_bytes} B plan slot; latency fit {line.slope:.4g} ms/Mop + {line.intercept:.4g} ms; "
                  f"smallest model {minimum['latency_ms']:.2f} ms")

    from search_space.dnas.search import SearchConfig, run_search
    from search_space.dnas.synthetic_keywords import KeywordTaskConfig, make_keyword_task
    from search_space.fastpath import write_tflite

    if args.data == "espeak":
        from harness.pipeline.run import PipelineConfig, load_pipeline_data

        data, (x, y) = load_pipeline_data(PipelineConfig(data="espeak", seed=args.seed))
    else:
        data = make_keyword_task(KeywordTaskConfig(devices=args.speakers, samples_per_device=args.samples_per_speaker,
                                                   seed=args.seed))
        x, y = data.union()
    eval_x, eval_y = data.evaluation_set()
    out = args.out or RESULTS_DIR / f"search-{limits.board}-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True, exist_ok=True)
    config = SearchConfig(space=args.task, epochs=args.epochs, batch_size=args.batch_size,
                          finetune_epochs=args.finetune_epochs, seed=args.seed)

    def on_epoch(r: dict) -> None:
        u = r["derived_usage"]
        console.print(f"epoch {r['epoch']:>3}/{args.epochs}  τ={r['tau']:.2f}  CE={r['train_ce']:.3f}  "
                      f"penalty={r['penalty']:.3f}  derived: {u['mops']:.2f} Mops {u['latency_ms']:.1f} ms "
                      f"{u['sram_bytes']} B  fits={r['derived_fits']}  val={r['derived_val_acc']:.3f}  ({r['seconds']:.0f} s)")

    result = run_search(config, limits, line, x, y, log_path=out / "search_log.jsonl",
                        progress=not args.no_progress, on_epoch=on_epoch)
    write_atomically(out / "arch_spec.json", result.spec.to_json(indent=2) + "\n")
    write_tflite(result.tflite, out / "model_int8.tflite")
    from harness.pipeline.run import int8_accuracy

    q_acc = int8_accuracy(result.tflite, eval_x, eval_y)
    summary = {"limits": limits.to_dict(), "latency_fit": {"slope": line.slope, "intercept": line.intercept},
               "usage": result.usage, "derive": result.derive_info, "float_val_accuracy": result.float_accuracy,
               "int8_eval_accuracy": q_acc, "seconds_per_epoch": result.seconds_per_epoch,
               "spec_hash": result.spec.content_hash}
    write_atomically(out / "search.json", json.dumps(summary, indent=2, default=str) + "\n")
    u = result.usage
    console.print(f"derived {result.spec.content_hash}: {u['mops']:.2f} Mops, predicted {u['latency_ms']:.1f} ms "
                  f"(budget {limits.latency_ms:g}), {u['sram_bytes']} B working memory, {u['flash_bytes']} B flash "
                  f"estimate; int8 accuracy {100 * q_acc:.2f} % on held-out speakers")
    console.print(f"wrote {out}/arch_spec.json, model_int8.tflite, search_log.jsonl, search.json")
    return 0
