"""`tinyhil compile`: compile a .tflite model into an engine plan and report its memory use."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from harness.atomic_io import write_bytes_atomic
from harness.boards import get_board
from harness.engine.code_size import engine_code_bytes
from harness.engine.compiler import CompiledPlan, CompileError, compile_model
from harness.engine.tflite_model import TfliteFormatError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compile", help="compile a .tflite model into an engine plan (+ memory report)")
    p.add_argument("model", type=Path, help="int8 .tflite model")
    p.add_argument("--board", required=True, help="board name (see `tinyhil boards`)")
    p.add_argument("-o", "--output", type=Path, help="plan file to write (default: MODEL.thplan)")
    p.add_argument("--c-array", type=Path, metavar="FILE.c", help="also write the plan as a C array")
    p.add_argument("--ops", action="store_true", help="print the per-op table")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.set_defaults(func=run)


def memory_report(plan: CompiledPlan, board) -> dict:
    code = engine_code_bytes(board.core.name, dsp=board.core.dsp)
    ram = plan.arena_bytes + plan.runtime_state_bytes
    flash = plan.plan_bytes + (code or 0)
    return {
        "model": plan.source,
        "board": board.name,
        "plan_hash": plan.plan_hash,
        "ops": len(plan.ops),
        "macs": plan.macs,
        "arena_bytes": plan.arena_bytes,
        "runtime_state_bytes": plan.runtime_state_bytes,
        "ram_bytes": ram,
        "sram_bytes": board.sram_bytes,
        "weights_bytes": plan.weights_bytes,
        "plan_bytes": plan.plan_bytes,
        "code_bytes_estimate": code,
        "flash_bytes": flash,
        "flash_limit_bytes": board.flash_bytes,
        "fits": ram <= board.sram_bytes and flash <= board.flash_bytes,
    }


def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.1f}%" if b else "-"


def run(args: argparse.Namespace) -> int:
    board = get_board(args.board)
    try:
        plan = compile_model(args.model)
    except (TfliteFormatError, CompileError) as exc:
        raise ValueError(str(exc)) from None
    rep = memory_report(plan, board)
    if not rep["fits"]:
        problems = []
        if rep["ram_bytes"] > board.sram_bytes:
            problems.append(f"RAM {rep['ram_bytes']} bytes (arena {plan.arena_bytes} + engine state "
                            f"{plan.runtime_state_bytes}) > {board.sram_bytes} bytes SRAM")
        if rep["flash_bytes"] > board.flash_bytes:
            problems.append(f"flash {rep['flash_bytes']} bytes (plan {plan.plan_bytes} + code "
                            f"{rep['code_bytes_estimate']}) > {board.flash_bytes} bytes flash")
        raise ValueError(f"{args.model} does not fit {board.name}: " + "; ".join(problems))
    out = args.output or args.model.with_suffix(".thplan")
    write_bytes_atomic(out, plan.blob)
    if args.c_array:
        write_bytes_atomic(args.c_array, plan.to_c_array().encode())
    rep["plan_file"] = str(out)
    if args.json:
        print(json.dumps(rep, indent=2))
        return 0
    console = Console()
    t = Table(title=f"{args.model.name} on {board.name} (plan {plan.plan_hash}, {len(plan.ops)} ops, "
              f"{plan.macs:,} MACs)")
    for col in ("memory", "bytes", "limit", "use"):
        t.add_column(col, justify="right" if col != "memory" else "left")
    t.add_row("arena (activations + scratch)", f"{plan.arena_bytes:,}", "", "")
    t.add_row("engine state", f"{plan.runtime_state_bytes:,}", "", "")
    t.add_row("RAM total", f"{rep['ram_bytes']:,}", f"{board.sram_bytes:,}", _pct(rep["ram_bytes"], board.sram_bytes))
    t.add_row("weights", f"{plan.weights_bytes:,}", "", "")
    t.add_row("plan (weights + tables)", f"{plan.plan_bytes:,}", "", "")
    code = rep["code_bytes_estimate"]
    t.add_row("engine code (estimate)", f"{code:,}" if code is not None else "unknown", "", "")
    t.add_row("flash total", f"{rep['flash_bytes']:,}", f"{board.flash_bytes:,}",
              _pct(rep["flash_bytes"], board.flash_bytes))
    console.print(t)
    if args.ops:
        ot = Table(title="ops")
        for col in ("#", "op", "output", "MACs", "scratch", "detail"):
            ot.add_column(col)
        for op in plan.ops:
            ot.add_row(str(op.index), op.op_name, str(list(op.output_shape)), f"{op.macs:,}", str(op.scratch_bytes),
                       op.detail)
        console.print(ot)
    console.print(f"wrote {out}" + (f" and {args.c_array}" if args.c_array else ""))
    return 0
