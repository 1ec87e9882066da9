"""``DISTILLWATCH_NATIVE=0``: run the pure-Python reference instead of the compiled hot path.

The detection core reads no environment: :mod:`detectors.native` loads the compiled
module (``native/``) when it is first imported, if it is installed and speaks the
core's protocol. A driver that wants the pure-Python path for comparison calls
:func:`apply` with its environment *before* importing anything from ``detectors``
(the ``distillwatch`` command, the benchmarks and the test suite's conftest do);
the compiled module is then never imported in that process, and every part of the
core (parsing checks, request-id memory, fingerprints, the per-event step, routing,
the campaign scans) runs its Python reference. Results are identical either way.

Examples
--------
>>> compiled_wanted({}), compiled_wanted({"DISTILLWATCH_NATIVE": "0"})
(True, False)
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

__all__ = ["ENV", "apply", "compiled_wanted"]

ENV = "DISTILLWATCH_NATIVE"
_OFF = frozenset({"0", "false", "no", "off"})


def compiled_wanted(environ: Mapping[str, str]) -> bool:
    """Whether ``environ`` allows the compiled hot path (anything but 0/false/no/off)."""
    return environ.get(ENV, "1").strip().lower() not in _OFF


def apply(environ: Mapping[str, str]) -> None:
    """Keep the compiled module out of this process when ``environ`` says so.

    Raises ``RuntimeError`` if the core already loaded it: the switch came too late.
    """
    if compiled_wanted(environ):
        return
    loaded = sys.modules.get("detectors.native")
    if loaded is not None and getattr(loaded, "NATIVE", None) is not None:
        raise RuntimeError(f"{ENV}=0 must be applied before detectors is imported")
    # ``import distillwatch_native`` now raises ImportError: detectors.native.NATIVE is None.
    sys.modules["distillwatch_native"] = None  # type: ignore[assignment]
