"""Run the docstring examples of pipeline.evaluate (pytest's testpaths leave pipeline/ out)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import pipeline.evaluate

MODULES = sorted(
    f"pipeline.evaluate.{info.name}" for info in pkgutil.iter_modules(pipeline.evaluate.__path__)
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_examples_exist() -> None:
    total = sum(
        doctest.testmod(importlib.import_module(name), report=False).attempted for name in MODULES
    )
    assert total >= 20
