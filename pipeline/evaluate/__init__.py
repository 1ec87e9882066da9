"""``distillwatch evaluate``: score alerts against labels.

Precision and recall per scenario and severity, benign false-positive rates,
time-to-detect, a threshold sweep and campaign coverage, written as
``metrics.json``, ``report.md``, ``report.html`` and PNG figures.

Modules: :mod:`.inputs` (readers), :mod:`.truth` (labels + feedback),
:mod:`.outcomes` (per-key outcome), :mod:`.metrics`, :mod:`.sweep`,
:mod:`.campaigns` (pure metrics), :mod:`.evaluation` (assembly),
:mod:`.plots`, :mod:`.report`, :mod:`.summary` (outputs), :mod:`.cli`.
"""

from pipeline.evaluate.cli import add_arguments, run

__all__ = ["add_arguments", "run"]
