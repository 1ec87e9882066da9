"""``distillwatch evaluate ALERTS LABELS --out DIR``: argument parsing and the run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pipeline.evaluate.evaluation import evaluate, load_inputs, stream_scores
from pipeline.evaluate.inputs import InputError
from pipeline.evaluate.outcomes import alerts_by_key

PROG = "distillwatch evaluate"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    parser.add_argument("alerts", type=Path, metavar="ALERTS", help="alerts.jsonl from replay")
    parser.add_argument("labels", type=Path, metavar="LABELS", help="labels.jsonl from simulate")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output directory")
    parser.add_argument(
        "--events",
        type=Path,
        metavar="FILE",
        help="events .jsonl/.jsonl.gz: count attacker requests before detection",
    )
    parser.add_argument(
        "--scores", type=Path, metavar="FILE", help="score timelines from `replay --scores`"
    )
    parser.add_argument(
        "--feedback",
        type=Path,
        metavar="FILE",
        help="analyst labels jsonl {api_key_id, label, reason}; override/extend LABELS",
    )
    parser.add_argument(
        "--sweep-steps",
        type=int,
        default=100,
        metavar="N",
        help="threshold sweep resolution: N+1 thresholds over [0, 1] (default 100)",
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=2,
        metavar="N",
        help="sample keys per scenario in the timeline figure (default 2)",
    )
    parser.add_argument(
        "--max-fpr",
        type=float,
        default=0.01,
        metavar="SHARE",
        help="benign false-positive budget for the second threshold pick (default 0.01)",
    )
    parser.add_argument("--quiet", action="store_true", help="no console summary")


def run(args: argparse.Namespace) -> int:
    """Evaluate and write the report; 0 on success, 2 with a one-line error otherwise."""
    if args.sweep_steps < 1 or args.samples < 1 or not 0.0 <= args.max_fpr <= 1.0:
        print(
            f"{PROG}: error: --sweep-steps and --samples must be >= 1, --max-fpr in [0, 1]",
            file=sys.stderr,
        )
        return 2
    from pipeline.progress import Heartbeat

    with Heartbeat("evaluate") as beat:  # a line every 10 s: which phase a long run is in
        try:
            beat.phase = "reading alerts, labels and events"
            inputs = load_inputs(args.alerts, args.labels, args.events, args.feedback)
            points = None
            if args.scores is not None:
                beat.phase = "reading scores"
                points, scores_report = stream_scores(args.scores)
                inputs.reports.append(scores_report)
            beat.phase = "computing the metrics"
            evaluation = evaluate(inputs, points, args.sweep_steps, args.samples, args.max_fpr)
        except InputError as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            return 2
        beat.phase = "writing plots and the report"
        return _write(args, inputs, evaluation)


def _write(args: argparse.Namespace, inputs: Any, evaluation: Any) -> int:
    out_dir: Path = args.out
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"{PROG}: error: cannot create '{out_dir}': {exc.strerror or exc}", file=sys.stderr)
        return 2

    # Imported here: matplotlib costs ~0.5 s and is not needed to fail fast on bad input.
    from pipeline.evaluate.plots import write_plots
    from pipeline.evaluate.report import write_metrics, write_report
    from pipeline.evaluate.summary import print_summary

    plots = write_plots(evaluation, alerts_by_key(inputs.alerts), out_dir)
    evaluation.metrics["plots"] = plots
    write_metrics(evaluation.metrics, out_dir / "metrics.json")
    write_report(evaluation.metrics, plots, out_dir)
    if not args.quiet:
        print_summary(evaluation.metrics, str(out_dir))
    return 0
