"""The compiled hot path (native/): built, on Python's constants, on the stable API only.

It is built wherever cargo is, shares every constant with its Python module (a build
that does not is not loaded) and names no private interpreter symbol.

Each compiled function against its Python reference: the other tests/unit/test_native_*.py
files. Whole engines both ways: tests/unit/test_native_engine.py.
"""

from __future__ import annotations

import os
import re
import shutil
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest

from detectors import lexicon, native
from detectors.engine import engine
from detectors.events import Event
from detectors.native import NATIVE
from detectors.state import layout as L

needs_native = pytest.mark.skipif(NATIVE is None, reason="distillwatch_native is not built")


def test_the_compiled_path_is_built_where_a_rust_toolchain_is() -> None:
    # make setup builds native/ whenever cargo is on PATH; a missing build there is a
    # broken install step, not a reason to quietly run several times slower.
    if shutil.which("cargo") is None:
        pytest.skip("no cargo here: the pure-Python path is the expected one")
    if os.environ.get("DISTILLWATCH_NATIVE", "1") == "0":
        pytest.skip("DISTILLWATCH_NATIVE=0: the pure-Python path was asked for")
    assert NATIVE is not None, "distillwatch_native is missing: run `make setup`"


# Rust names whose Python counterpart is not a plain module attribute of the same name.
_SPECIAL: dict[tuple[str, str], Any] = {
    ("detectors.events", "EVENT_FIELDS"): list(Event._fields),
    ("detectors.lexicon", "CUE_GROUPS"): [list(g) for g in lexicon.CUE_GROUPS.values()],
    ("detectors.engine.engine", "MILESTONES"): sorted(engine.MILESTONES),
}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple | list) else value


@needs_native
def test_every_shared_constant_matches_its_python_module() -> None:
    assert NATIVE is not None
    compared = 0
    for module_name, constants in NATIVE.native_layout().items():
        module = import_module(module_name)
        for name, value in constants.items():
            if (module_name, name) in _SPECIAL:
                expected = _SPECIAL[module_name, name]
            else:
                assert hasattr(module, name), f"{module_name}.{name} is not in Python"
                expected = getattr(module, name)
            assert _plain(value) == _plain(expected), f"{module_name}.{name}"
            compared += 1
    # Every counter is among them (the compiled code names its index constants).
    layout = NATIVE.native_layout()["detectors.state.layout"]
    assert set(L.COUNTER_NAMES) <= set(layout)
    assert compared >= len(L.COUNTER_NAMES) + len(L.T_FIELDS) + 40


@needs_native
def test_a_build_with_another_layout_or_lexicon_is_not_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A counter or cue edited on one side only: detectors.native runs pure Python.
    assert NATIVE is not None
    assert native._mismatch(NATIVE.native_layout()) is None
    monkeypatch.setattr(lexicon, "LIMIT_CUES", (*lexicon.LIMIT_CUES, "answer in one line"))
    assert native._mismatch(NATIVE.native_layout()) == "detectors.lexicon.LIMIT_CUES"
    monkeypatch.setattr(L, "COUNTER_NAMES", (*L.COUNTER_NAMES, "NEW"))
    assert native._mismatch(NATIVE.native_layout()) == "detectors.state.layout.COUNTER_NAMES"


def test_no_cue_contains_the_replacement_character() -> None:
    # The compiled cue search runs on UTF-8 with lone surrogates replaced by "?".
    cues = [c for group in lexicon.CUE_GROUPS.values() for c in group] + list(lexicon.LIMIT_CUES)
    assert not any("?" in cue for cue in cues)


def test_native_sources_use_no_private_interpreter_names() -> None:
    # Private CPython symbols (a leading underscore) change between releases without
    # notice; the extension must build against the stable, public API only.
    sources = sorted((Path(__file__).resolve().parents[2] / "native" / "src").glob("*.rs"))
    assert sources
    private = [
        f"{path.name}: {match.group(0)}"
        for path in sources
        for match in re.finditer(r"ffi::_\w+|\b_Py\w+", path.read_text())
    ]
    assert private == []
