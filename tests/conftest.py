"""Test-suite set-up: ``DISTILLWATCH_NATIVE=0 pytest`` runs everything on the pure-Python path.

Applied here, before any test module imports ``detectors`` (pipeline/native_switch.py).
"""

from __future__ import annotations

import os

from pipeline import native_switch

native_switch.apply(os.environ)
