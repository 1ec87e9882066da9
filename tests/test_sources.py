"""Reading replay inputs in blocks gives exactly the lines of the whole input."""

from __future__ import annotations

import gzip
import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.runtime import log_files as sources


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(
        st.sampled_from([b"{}", b"\n", b"\r\n", b"\r", b"\r\r", b"abc", b"", b" "]), max_size=40
    ),
    block=st.integers(1, 9),
)
def test_blocks_split_lines_like_file_iteration(
    pieces: list[bytes], block: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    data = b"".join(pieces)
    path = tmp_path_factory.mktemp("blocks") / "events.jsonl"
    path.write_bytes(data)
    by_file = data.splitlines()  # \n, \r\n and a lone \r all end a line
    original = sources.BLOCK_BYTES
    sources.BLOCK_BYTES = block  # lines straddle blocks
    try:
        got = list(itertools.chain.from_iterable(sources.iter_input_blocks(str(path))))
    finally:
        sources.BLOCK_BYTES = original
    assert got == by_file


def test_blocks_read_gzip_and_name_a_truncated_stream(tmp_path: Path) -> None:
    lines = [b'{"n": %d}' % i for i in range(5000)]
    path = tmp_path / "events.jsonl.gz"
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    assert list(itertools.chain.from_iterable(sources.iter_input_blocks(str(path)))) == lines
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(sources.InputError, match=r"broken\.jsonl\.gz after line"):
        list(itertools.chain.from_iterable(sources.iter_input_blocks(str(broken))))


def test_batch_gc_restores_the_collector_thresholds() -> None:
    import gc

    from pipeline.runtime.replay import batch_gc

    before = gc.get_threshold()
    with batch_gc(young=12_345):
        assert gc.get_threshold()[0] == 12_345
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), batch_gc():
        raise RuntimeError("a replay that fails half-way")
    assert gc.get_threshold() == before


def test_gzip_by_magic_bom_and_cr_only_endings(tmp_path: Path) -> None:
    lines = [b'{"n": %d}' % i for i in range(3)]
    unnamed = tmp_path / "events.log"  # gzip without .gz
    unnamed.write_bytes(gzip.compress(b"\n".join(lines)))
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(lines) + b"\r\n")
    mac = tmp_path / "mac.jsonl"
    mac.write_bytes(b"\r".join(lines) + b"\r")
    for path in (unnamed, bom, mac):
        got = list(itertools.chain.from_iterable(sources.iter_input_blocks(str(path))))
        assert got == lines, path.name
    named = tmp_path / "plain.jsonl.gz"  # named .gz but not gzip: read as it is
    named.write_bytes(b"\n".join(lines))
    assert list(itertools.chain.from_iterable(sources.iter_input_blocks(str(named)))) == lines
