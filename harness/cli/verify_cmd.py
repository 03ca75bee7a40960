"""`tinyhil verify`: run a model's plan on a runner and compare it bit for bit with TFLM."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.progress import Progress

from harness.boards import get_board
from harness.engine.compiler import CompileError, compile_model
from harness.engine.tflite_model import TfliteFormatError
from harness.engine.verify import make_runner, runner_names, verify_plan


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help="check the engine bit-exact against TFLM on random inputs")
    p.add_argument("model", type=Path, help="int8 .tflite model")
    p.add_argument("--board", required=True, help="board name (selects DSP kernels for cores with DSP)")
    p.add_argument("--inputs", type=int, default=10, help="number of random inputs (default 10)")
    p.add_argument("--intermediates", action="store_true", help="also compare every intermediate tensor")
    p.add_argument("--runner", default="host", help=f"where to run the plan ({', '.join(runner_names())})")
    p.add_argument("--seed", type=int, default=0, help="random input seed")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.inputs < 1:
        raise ValueError(f"--inputs must be >= 1, got {args.inputs}")
    board = get_board(args.board)
    try:
        data = args.model.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"{args.model}: file not found") from None
    try:
        plan = compile_model(data, source=str(args.model))
    except (TfliteFormatError, CompileError) as exc:
        raise ValueError(str(exc)) from None
    runner = make_runner(args.runner, plan, board, data)
    try:
        with Progress(transient=True) as progress:
            task = progress.add_task(f"verify on {runner.name}", total=args.inputs)
            report = verify_plan(plan, data, runner, args.inputs, intermediates=args.intermediates, seed=args.seed,
                                 progress=lambda n: progress.update(task, completed=n))
    finally:
        runner.close()
    what = "outputs" + (" and intermediates" if args.intermediates else "")
    if report.ok:
        print(f"{args.model.name}: {report.outputs_equal}/{report.n_inputs} inputs bit-exact with TFLM ({what}, "
              f"runner {runner.name}, plan {plan.plan_hash})")
        return 0
    for mm in report.mismatches:
        print(f"{args.model.name}: MISMATCH on runner {runner.name}: {mm.describe()}")
    return 1
