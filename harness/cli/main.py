"""The `tinyhil` command: one module per subcommand under harness/cli/.

Each command module defines ``register(subparsers)`` that adds its parser and sets
``func=run`` where ``run(args) -> int``. Add a new command by listing its module below.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from harness import __version__

COMMAND_MODULES = [
    "harness.cli.boards_cmd",
    "harness.cli.doctor_cmd",
    "harness.cli.federated_cmd",
    "harness.cli.space_cmd",
    "harness.cli.run_elf_cmd",
    "harness.cli.results_cmd",
    "harness.cli.fit_cmd",
    "harness.cli.report_cmd",
    "harness.cli.profile_cmd",
    "harness.cli.sweep_cmd",
    "harness.cli.firmware_cmd",
    "harness.cli.study_cmd",
    "harness.cli.compile_cmd",
    "harness.cli.verify_cmd",
    "harness.cli.search_cmd",
    "harness.cli.pipeline_cmd",
]


class CliError(Exception):
    """An error to show the user as one line, without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinyhil",
        description="Hardware-in-the-loop benchmarking of int8 TinyML models on MCUs and their emulated twins.",
    )
    parser.add_argument("--version", action="version", version=f"tinyhil {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (CliError, ValueError, KeyError, FileNotFoundError) as exc:
        if args.verbose >= 2:
            raise
        print(f"tinyhil {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
