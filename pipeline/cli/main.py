"""The ``distillwatch`` console script.

Each sub-command lives in its own module exposing ``add_arguments(parser)`` and
``run(args) -> int``; modules are imported lazily so ``distillwatch replay``
never pays for faust's import time.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from pipeline import native_switch

COMMANDS: dict[str, tuple[str, str]] = {
    "simulate": ("pipeline.simulate", "write labelled synthetic traffic with attackers"),
    "replay": (
        "pipeline.cli.replay",
        "run the detection engine over log files (or push them to Kafka)",
    ),
    "evaluate": (
        "pipeline.evaluate",
        "score alerts against labels: precision, recall, time-to-detect",
    ),
    "worker": ("pipeline.cli.worker", "run a streaming worker on Kafka"),
    "campaigns": (
        "pipeline.cli.campaigns",
        "run the cross-key campaign stage in its own process (workers with --no-campaign-stage)",
    ),
    "demo": (
        "pipeline.cli.demo",
        "embedded broker + worker + simulated attackers, alerts printed live",
    ),
    "hook": ("pipeline.hook.cli", "the key-suspension hook (run, audit)"),
    "label": ("pipeline.hook.label", "record analyst feedback on a key"),
    "triage": (
        "pipeline.cli.triage",
        "web page and JSON API: why a key was flagged, its history, label it, release actions",
    ),
}


def version() -> str:
    """The installed distribution's version (``distillwatch --version``)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("distillwatch")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """Build the parser; only ``selected``'s module is imported (the rest stay lazy)."""
    parser = argparse.ArgumentParser(
        prog="distillwatch",
        description="Catch API keys that harvest LLM outputs to distill a competing model.",
    )
    parser.add_argument("--version", action="version", version=f"distillwatch {version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if name != selected:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module_name.startswith(exc.name):
                raise
            sub.set_defaults(_missing=module_name)
            continue
        module.add_arguments(sub)
        sub.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # DISTILLWATCH_NATIVE=0 runs the pure-Python path; decided before detectors loads.
    native_switch.apply(os.environ)
    argv = list(sys.argv[1:] if argv is None else argv)
    selected = next((arg for arg in argv if not arg.startswith("-")), None)
    parser = build_parser(selected)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if getattr(args, "_missing", None):
        print(
            f"distillwatch: command {args.command!r} is not available in this build",
            file=sys.stderr,
        )
        return 2
    return int(args._module.run(args))


if __name__ == "__main__":
    sys.exit(main())
