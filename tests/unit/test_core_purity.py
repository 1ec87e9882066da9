"""detectors/ is a pure core: no I/O libraries, no wall clock, no unseeded randomness."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "detectors"
FORBIDDEN_MODULES = {
    "faust",
    "aiokafka",
    "kafka",
    "prometheus_client",
    "requests",
    "httpx",
    "aiohttp",
    "urllib",
    "http",
    "socket",
    "asyncio",
    "time",
    "logging",
    "sqlite3",
}
FORBIDDEN_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
}
FORBIDDEN_BUILTINS = {"open", "print", "input"}
# Seeded generators (random.Random(seed)) are fine; the shared, unseeded module-level
# generator (random.random(), random.choice(), ...) is not.
ALLOWED_FROM_RANDOM = {"Random"}


def _core_files() -> list[Path]:
    files = sorted(CORE.glob("*.py"))
    assert files, "detectors/ has no modules"
    return files


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: p.name)
def test_core_module_imports_no_io_and_reads_no_clock(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name.split(".")[0] not in FORBIDDEN_MODULES, (
                    f"{path.name} imports {alias.name}"
                )
        elif isinstance(node, ast.ImportFrom) and node.module == "random":
            names = {alias.name for alias in node.names}
            assert names <= ALLOWED_FROM_RANDOM, f"{path.name} imports unseeded {names}"
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.module.split(".")[0] not in FORBIDDEN_MODULES, (
                f"{path.name} imports {node.module}"
            )
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                if func.value.id == "random":
                    assert func.attr in ALLOWED_FROM_RANDOM, (
                        f"{path.name}:{node.lineno} uses the unseeded random.{func.attr}()"
                    )
                assert (func.value.id, func.attr) not in FORBIDDEN_CALLS, (
                    f"{path.name}:{node.lineno} reads the wall clock"
                )
            if isinstance(func, ast.Name):
                assert func.id not in FORBIDDEN_BUILTINS, (
                    f"{path.name}:{node.lineno} calls {func.id}()"
                )


def test_checker_catches_a_violation(tmp_path: Path) -> None:
    # The checker itself must be able to fail.
    bad = tmp_path / "bad.py"
    bad.write_text("from datetime import datetime\nx = datetime.now()\n")
    with pytest.raises(AssertionError, match="wall clock"):
        test_core_module_imports_no_io_and_reads_no_clock(bad)
    unseeded = tmp_path / "unseeded.py"
    unseeded.write_text("import random\nx = random.random()\n")
    with pytest.raises(AssertionError, match="unseeded"):
        test_core_module_imports_no_io_and_reads_no_clock(unseeded)
    seeded = tmp_path / "seeded.py"
    seeded.write_text("import random\nrng = random.Random(7)\n")
    test_core_module_imports_no_io_and_reads_no_clock(seeded)


NATIVE_SOURCES = Path(__file__).resolve().parents[2] / "native" / "src"
# The compiled half of the core keeps the same promises: no clock, no files, no
# network, no randomness, no printing (prompt text must not leak through stdout).
# std::net's address types only parse text (the event check uses Ipv6Addr); its
# sockets and name lookups are what would touch the network.
FORBIDDEN_RUST = (
    "std::time",
    "std::fs",
    "TcpStream",
    "TcpListener",
    "UdpSocket",
    "ToSocketAddrs",
    "std::env",
    "rand::",
    "println!",
    "eprintln!",
    "dbg!",
)


def _rust_files() -> list[Path]:
    files = sorted(NATIVE_SOURCES.glob("*.rs"))
    assert files, "native/src has no sources"
    return files


@pytest.mark.parametrize("path", _rust_files(), ids=lambda p: p.name)
def test_native_module_reads_no_clock_and_does_no_io(path: Path) -> None:
    text = path.read_text()
    found = [name for name in FORBIDDEN_RUST if name in text]
    assert not found, f"{path.name} uses {found}"
