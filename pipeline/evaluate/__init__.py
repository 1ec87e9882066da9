"""``distillwatch evaluate``: score alerts against labels.

The headline is the share of an attacker's requests served before its first
``warning`` and before its first ``critical`` alert (median and worst key per
scenario; a key never alerted counts 100 %), beside recall. Also: minutes to
``critical`` for keys harvesting at >= 300 requests an hour, benign alert rates
over keys that sent something (with ``--events``), a generalization table
(held-out structures next to tuned ones) and per-structure tables when the
labels carry the simulator's ``structure`` (older label files load without
it), missed attack keys and falsely flagged benign keys with their top reasons,
precision and recall per severity, time-to-detect, a threshold sweep and
campaign coverage; written as ``metrics.json`` (schema
``distillwatch.evaluate/v2``), ``report.md``, ``report.html`` and PNG figures.

Modules: :mod:`.inputs` (readers), :mod:`.truth` (labels + feedback),
:mod:`.outcomes` (per-key outcome), :mod:`.metrics`, :mod:`.quality`
(served-before shares, splits, structures, key lists), :mod:`.sweep`,
:mod:`.campaigns` (pure metrics), :mod:`.evaluation` (assembly),
:mod:`.plots`, :mod:`.report`, :mod:`.report_quality`, :mod:`.summary`
(outputs), :mod:`.cli`.
"""

from pipeline.evaluate.cli import add_arguments, run

__all__ = ["add_arguments", "run"]
