"""A tiny document model rendered to Markdown and to self-contained HTML.

The report is built once as blocks, so ``report.md`` and ``report.html`` always
carry the same content.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Heading:
    """A section title (level 1-3)."""

    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A bulleted list of plain-text items."""

    items: Sequence[str]


@dataclass(frozen=True)
class Table:
    """A table; every cell is already formatted text."""

    headers: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class Image:
    """A figure stored next to the report (file name relative to the report)."""

    src: str
    alt: str


Block = Heading | Paragraph | Bullets | Table | Image


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: Sequence[Block]) -> str:
    """Render blocks as GitHub-flavoured Markdown.

    >>> print(to_markdown([Heading(2, "A"), Table(["x", "y"], [["1", "a|b"]])]))
    ## A
    <BLANKLINE>
    | x | y |
    | --- | --- |
    | 1 | a\\|b |
    <BLANKLINE>
    """
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Paragraph):
            out += [block.text, ""]
        elif isinstance(block, Bullets):
            out += [f"- {item}" for item in block.items] + [""]
        elif isinstance(block, Table):
            out.append("| " + " | ".join(_md_cell(h) for h in block.headers) + " |")
            out.append("|" + " --- |" * len(block.headers))
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            out.append("")
        else:
            out += [f"![{block.alt}]({block.src})", ""]
    return "\n".join(out)


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f3f3; }
img { max-width: 100%; border: 1px solid #eee; }
"""


def inline_image(directory: Path) -> Callable[[str], str]:
    """Resolver that embeds ``directory/src`` as a ``data:`` URI (self-contained HTML)."""

    def resolve(src: str) -> str:
        data = base64.b64encode((directory / src).read_bytes()).decode("ascii")
        return f"data:image/png;base64,{data}"

    return resolve


def to_html(
    blocks: Sequence[Block], title: str, image_src: Callable[[str], str] | None = None
) -> str:
    """Render blocks as one HTML page; ``image_src`` maps file names to URIs (e.g. inline).

    >>> "<td>a&amp;b</td>" in to_html([Table(["x"], [["a&b"]])], "t")
    True
    """
    resolve = image_src or (lambda src: src)
    esc = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
    ]
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"<h{block.level}>{esc(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            out.append(f"<p>{esc(block.text)}</p>")
        elif isinstance(block, Bullets):
            out.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{esc(h)}</th>" for h in block.headers)
            body = "".join(
                "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in block.rows
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        else:
            src = esc(resolve(block.src), quote=True)
            out.append(f'<figure><img src="{src}" alt="{esc(block.alt)}"></figure>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"
