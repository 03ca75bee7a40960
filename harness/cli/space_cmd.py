"""`tinyhil space`: list search spaces, sample specs, count a spec or a .tflite, build a .tflite.

    tinyhil space list [--json]
    tinyhil space describe kws
    tinyhil space sample kws -n 10 --seed 1 [--sram 65536] [--flash 262144] [-o specs.json]
    tinyhil space count kws-s | spec.json | model.tflite [--json] [--layers] [--engine]
    tinyhil space build kws-s -o kws-s.tflite [--seed 0] [--via-tf]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from harness.atomic_io import write_text_atomic

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("space", help="search spaces: list, sample specs, count resources, build .tflite")
    p.set_defaults(func=run, space_action=None)
    actions = p.add_subparsers(dest="space_action", metavar="ACTION")

    a = actions.add_parser("list", help="list the search spaces and fixed architectures")
    a.add_argument("--json", action="store_true", help="machine-readable output")

    a = actions.add_parser("describe", help="show a space's decisions and options")
    a.add_argument("space")
    a.add_argument("--json", action="store_true")

    a = actions.add_parser("sample", help="sample N specs uniformly (optionally within a budget) as JSON")
    a.add_argument("space")
    a.add_argument("-n", type=int, default=1, help="number of specs (default 1)")
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--sram", type=int, default=None, help="peak SRAM budget in bytes (working-memory model)")
    a.add_argument("--flash", type=int, default=None, help="flash budget in bytes (weights + metadata estimate)")
    a.add_argument("--strategy", choices=("reject", "bias"), default="reject")
    a.add_argument("--max-tries", type=int, default=20000)
    a.add_argument("-o", "--output", type=Path, default=None, help="write the JSON list here (default stdout)")

    a = actions.add_parser("count", help="count MACs/ops, params, flash and peak SRAM of specs or a .tflite")
    a.add_argument("target", help="fixed architecture name, spec JSON file (one spec or a list), or .tflite file")
    a.add_argument("--json", action="store_true")
    a.add_argument("--layers", action="store_true", help="include per-op rows")
    a.add_argument("--engine", action="store_true", help="also ask the engine compiler for its arena size")

    a = actions.add_parser("build", help="write an int8 .tflite for a spec")
    a.add_argument("target", help="fixed architecture name or spec JSON file (one spec)")
    a.add_argument("-o", "--output", type=Path, required=True)
    a.add_argument("--seed", type=int, default=0, help="weights seed")
    a.add_argument("--via-tf", action="store_true", help="build in Keras and convert with TensorFlow (slow)")


def _load_specs(target: str) -> list[Any]:
    from search_space.fixed import FIXED_SPECS
    from search_space.spec import ArchSpec, SpecError

    if target.lower() in FIXED_SPECS:
        return [FIXED_SPECS[target.lower()]]
    path = Path(target)
    if not path.exists():
        raise FileNotFoundError(f"{target}: not a fixed architecture ({', '.join(FIXED_SPECS)}) nor an existing file")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    items = data if isinstance(data, list) else [data]
    specs = []
    for i, item in enumerate(items):
        try:
            specs.append(ArchSpec.from_dict(item))
        except SpecError as exc:
            where = f"{path}[{i}]" if isinstance(data, list) else str(path)
            raise ValueError(f"{where}: {exc}") from None
    return specs


def _run_list(args: argparse.Namespace) -> int:
    from search_space.counting import count_spec
    from search_space.fixed import FIXED_SPECS
    from search_space.spaces import list_spaces

    spaces = []
    for s in list_spaces():
        m = count_spec(s.minimum_spec())
        spaces.append(
            {
                "name": s.name,
                "description": s.description,
                "input_shape": list(s.input_shape),
                "num_classes": s.num_classes,
                "decisions": len(s.decisions()),
                "choice_combinations": s.size(),
                "minimum": {"peak_sram_bytes": m.peak_sram_bytes, "flash_bytes": m.flash_bytes, "mops": round(m.mops, 4)},
            }
        )
    fixed = []
    for name, spec in FIXED_SPECS.items():
        c = count_spec(spec)
        fixed.append({"name": name, "space": spec.space, "hash": spec.content_hash, "mops": round(c.mops, 2)})
    if args.json:
        print(json.dumps({"spaces": spaces, "fixed": fixed}, indent=2))
        return 0
    table = Table(title="search spaces")
    for col in ("space", "input", "classes", "decisions", "min SRAM", "min flash"):
        table.add_column(col)
    for s in spaces:
        table.add_row(
            s["name"],
            "x".join(map(str, s["input_shape"])),
            str(s["num_classes"]),
            str(s["decisions"]),
            f"{s['minimum']['peak_sram_bytes']} B",
            f"{s['minimum']['flash_bytes']} B",
        )
    console = Console()
    console.print(table)
    ft = Table(title="fixed architectures")
    for col in ("name", "space", "Mops", "hash"):
        ft.add_column(col)
    for f in fixed:
        ft.add_row(f["name"], f["space"] or "-", f"{f['mops']:.2f}", f["hash"])
    console.print(ft)
    return 0


def _run_describe(args: argparse.Namespace) -> int:
    from search_space.spaces import get_space

    space = get_space(args.space)
    info = space.describe()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    table = Table(title=f"{space.name}: {space.description}")
    for col in ("decision", "options", "meaning"):
        table.add_column(col)
    for d in info["decisions"]:
        opts = d["options"]
        shown = ", ".join(map(str, opts)) if len(opts) <= 10 else f"{opts[0]}, {opts[1]}, …, {opts[-1]} ({len(opts)})"
        table.add_row(d["name"], shown, d["description"])
    Console().print(table)
    return 0


def _run_sample(args: argparse.Namespace) -> int:
    from search_space.sampling import sample_specs, sample_within_budget
    from search_space.spaces import get_space

    space = get_space(args.space)
    if args.n < 1:
        raise ValueError(f"-n: expected at least 1, got {args.n}")
    if args.sram is None and args.flash is None:
        specs = sample_specs(space, args.n, seed=args.seed)
    else:
        specs = sample_within_budget(
            space,
            args.n,
            seed=args.seed,
            sram_bytes=args.sram,
            flash_bytes=args.flash,
            strategy=args.strategy,
            max_tries=args.max_tries,
        )
    text = json.dumps([s.to_dict() for s in specs], indent=2)
    if args.output:
        write_text_atomic(args.output, text + "\n")
    else:
        print(text)
    return 0


def _run_count(args: argparse.Namespace) -> int:
    from search_space.counting import count_spec, count_tflite

    target = args.target
    if target.endswith(".tflite") or (Path(target).is_file() and Path(target).read_bytes()[4:8] == b"TFL3"):
        results = [(Path(target).name, count_tflite(target, engine=args.engine))]
    else:
        results = [(s.name or s.content_hash, count_spec(s, engine=args.engine)) for s in _load_specs(target)]
    if args.json:
        rows = [dict(name=n, **(c.to_dict() if args.layers else c.summary())) for n, c in results]
        print(json.dumps(rows[0] if len(rows) == 1 else rows, indent=2, default=list))
        return 0
    show_file = any(c.file_bytes is not None for _, c in results)
    show_engine = any(c.engine_arena_bytes is not None for _, c in results)
    table = Table(title="resource counts (int8; Mops = 2 x MACs of conv/depthwise/FC)")
    columns = ["model", "MACs", "Mops", "other ops", "params", "flash est. B"]
    columns += ["file B"] if show_file else []
    columns += ["peak SRAM B"] + (["engine arena B", "engine plan B"] if show_engine else [])
    for col in columns:
        table.add_column(col, justify="right")
    for name, c in results:
        row = [name, f"{c.macs:,}", f"{c.mops:.2f}", f"{c.element_ops:,}", f"{c.params:,}", f"{c.flash_bytes:,}"]
        row += [f"{c.file_bytes:,}" if c.file_bytes is not None else "-"] if show_file else []
        row += [f"{c.peak_sram_bytes:,}"]
        if show_engine:
            row += [f"{c.engine_arena_bytes:,}", f"{c.engine_plan_bytes:,}"] if c.engine_arena_bytes is not None else ["-", "-"]
        table.add_row(*row)
    console = Console()
    console.print(table)
    for name, c in results:
        if c.uncounted_ops:
            console.print(f"{name}: ops not counted in 'other ops': {', '.join(c.uncounted_ops)}")
    if args.layers:
        for name, c in results:
            lt = Table(title=f"{name}: per op")
            for col in ("#", "op", "name", "output", "MACs", "other ops", "params", "working B"):
                lt.add_column(col, justify="right")
            for layer in c.layers:
                lt.add_row(
                    str(layer.index),
                    layer.op,
                    layer.name,
                    "x".join(map(str, layer.output_shape)),
                    f"{layer.macs:,}",
                    f"{layer.element_ops:,}",
                    f"{layer.params:,}",
                    f"{layer.working_bytes:,}",
                )
            console.print(lt)
    return 0


def _run_build(args: argparse.Namespace) -> int:
    from search_space.fastpath import spec_to_tflite, write_tflite

    specs = _load_specs(args.target)
    if len(specs) != 1:
        raise ValueError(f"{args.target}: holds {len(specs)} specs; build takes exactly one")
    spec = specs[0]
    if args.via_tf:
        from search_space.tf_convert import spec_to_tflite_via_tf

        data = spec_to_tflite_via_tf(spec, seed=args.seed)
    else:
        data = spec_to_tflite(spec, seed=args.seed)
    write_tflite(data, args.output)
    print(f"wrote {args.output} ({len(data)} bytes, spec {spec.content_hash})")
    return 0


def run(args: argparse.Namespace) -> int:
    handlers = {
        "list": _run_list,
        "describe": _run_describe,
        "sample": _run_sample,
        "count": _run_count,
        "build": _run_build,
    }
    if args.space_action is None:
        raise ValueError("space: choose an action: list, describe, sample, count or build")
    return handlers[args.space_action](args)
