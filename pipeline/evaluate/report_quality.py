"""Report sections on generalization: headline, served-before shares, splits, structures,
and the missed / falsely flagged keys (see :mod:`pipeline.evaluate.quality`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.evaluate.document import Block, Bullets, Heading, Paragraph, Table
from pipeline.evaluate.fmt import count_of, num, pct
from pipeline.evaluate.records import LEVELS

__all__ = [
    "generalization_section",
    "headline_section",
    "key_lists_section",
    "served_cells",
    "structures_section",
]

#: Structure axes shown first in the report (others follow in name order).
_AXES_FIRST = ("split", "timing", "prompts", "model", "fields", "infra", "sharing", "user_agent")


def served_cells(served: Mapping[str, Any], level: str) -> str:
    """``median / worst`` share served before ``level``, or ``n/a``.

    >>> served_cells({"critical": {"keys": 2, "median": 0.05, "worst": 1.0}}, "critical")
    '5.0 % / 100.0 %'
    """
    block = served[level]
    if not block["keys"]:
        return "n/a"
    return f"{pct(block['median'])} / {pct(block['worst'])}"


def _fast_cell(fast: Mapping[str, Any]) -> str:
    if not fast["keys"]:
        return "-"
    if not fast["critical"]:
        return f"{fast['keys']}: none reached critical"
    minutes = fast["minutes_to_critical"]
    text = f"{fast['keys']}: {num(minutes['p50'], 0)} / {num(minutes['max'], 0)} min"
    if fast["not_critical"]:
        text += f", {fast['not_critical']} never"
    return text


def _basis(summary: Mapping[str, Any]) -> str:
    return "keys that sent something" if summary["basis"] == "active" else "all labelled keys"


def headline_section(metrics: Mapping[str, Any]) -> list[Block]:
    """The numbers the product is judged on, first."""
    h = metrics["headline"]
    served = h["served_before"]
    rows = [
        ["mean per-scenario recall"] + [pct(h["mean_scenario_recall"][lv]) for lv in LEVELS],
        ["attacker requests served before the alert (median key, mean over scenarios)"]
        + [pct(served[lv]["mean_scenario_median"]) for lv in LEVELS],
        ["attacker requests served before the alert (worst key)"]
        + [pct(served[lv]["worst_key"]) for lv in LEVELS],
    ]
    benign, fast = h["benign"], h["fast"]
    notes = [
        f"Benign keys: {count_of(benign['critical'], benign['counted'])} with a critical alert"
        f" ({pct(benign['critical_rate'])}), {count_of(benign['any'], benign['counted'])} with"
        f" any alert ({pct(benign['any_rate'])}), over {_basis(benign)}.",
    ]
    if fast["keys"]:
        minutes = fast["minutes_to_critical"]
        notes.append(
            f"Keys harvesting at >= {fast['per_hour']} requests an hour: {fast['keys']};"
            f" minutes of event time from start to critical: median {num(minutes['p50'], 0)},"
            f" max {num(minutes['max'], 0)}; {fast['not_critical']} never reached critical."
        )
    if not metrics["events_given"]:
        notes.append(
            "No events file (--events): request shares and fast keys are unknown, and rates"
            " count every labelled key, including keys that sent nothing."
        )
    return [
        Heading(2, "Headline"),
        Paragraph(
            "Share of an attacker's requests served from its attack start up to its first"
            " alert (a key never alerted counts 100 %), recall over keys that sent something."
        ),
        Table(["", "warning", "critical"], rows),
        Bullets(notes),
    ]


def _attack_cells(a: Mapping[str, Any]) -> list[str]:
    return [
        str(a["counted"]),
        pct(a["recall"]["critical"]),
        served_cells(a["served_before"], "critical"),
        _fast_cell(a["fast"]),
    ]


def _benign_cells(b: Mapping[str, Any]) -> list[str]:
    return [str(b["counted"]), pct(b["critical_rate"]), pct(b["any_rate"])]


_GROUP_HEADERS = [
    "attack keys",
    "recall (critical)",
    "served before critical (median / worst)",
    ">= 300 req/h: min to critical (p50 / max)",
    "benign keys",
    "benign critical",
    "benign any alert",
]


def generalization_section(metrics: Mapping[str, Any]) -> list[Block]:
    """Held-out split next to the tune split, overall and per scenario."""
    g = metrics["generalization"]
    blocks: list[Block] = [Heading(2, "Generalization: held-out vs tune structures")]
    if g is None:
        return [*blocks, Paragraph("The labels carry no structure split.")]
    rows = [
        [
            row["split"],
            pct(row["scenario_means"]["recall"]["critical"]),
            pct(row["scenario_means"]["served_before_median"]["critical"]),
            *_attack_cells(row["attack"]),
            *_benign_cells(row["benign"]),
        ]
        for row in g["splits"]
    ]
    blocks += [
        Paragraph(
            "Keys whose structure (timing shape, prompt style, or the benign look-alike) is"
            " held out from tuning, next to the others. The first two columns weigh every"
            " scenario alike (a campaign's hundreds of keys count as one scenario); the"
            " others pool keys."
        ),
        Table(
            [
                "split",
                "mean scenario recall (critical)",
                "mean scenario median served before critical",
                *_GROUP_HEADERS,
            ],
            rows,
        ),
    ]
    per = [
        [
            row["scenario"], row["split"], str(row["counted"]), pct(row["recall"]["critical"]),
            served_cells(row["served_before"], "warning"),
            served_cells(row["served_before"], "critical"),
        ]
        for row in g["scenarios"]
    ]  # fmt: skip
    if per:
        blocks.append(
            Table(
                [
                    "scenario",
                    "split",
                    "keys",
                    "recall (critical)",
                    "served before warning (median / worst)",
                    "served before critical (median / worst)",
                ],
                per,
            )
        )
    return blocks


def structures_section(metrics: Mapping[str, Any]) -> list[Block]:
    """One table per structure axis: attack and benign numbers per value."""
    structures = metrics["structures"]
    if not structures:
        return []
    order = [a for a in _AXES_FIRST if a in structures] + sorted(
        a for a in structures if a not in _AXES_FIRST
    )
    blocks: list[Block] = [Heading(2, "By structure")]
    for axis in order:
        rows = [
            [row["value"], *_attack_cells(row["attack"]), *_benign_cells(row["benign"])]
            for row in structures[axis]
        ]
        blocks += [Heading(3, axis), Table([axis, *_GROUP_HEADERS], rows)]
    return blocks


def _structure_text(structure: Mapping[str, str]) -> str:
    keep = ("split", "timing", "prompts", "model", "fields", "infra")
    return ", ".join(f"{k}={structure[k]}" for k in keep if k in structure) or "-"


def _peak_text(peak: Mapping[str, Any] | None) -> str:
    """``4.50: elicitation +2.5, quantity +1.5, ...`` (the three largest, zeros left out).

    >>> _peak_text({"total": 4.0, "evidence": {"yield": 3.0, "coverage": 0.0, "support": 1.0}})
    '4.00: yield +3.0, support +1.0'
    """
    if not peak:
        return "-"
    added = [(name, value) for name, value in peak["evidence"].items() if value][:3]
    parts = [f"{name} {value:+.1f}" for name, value in added]
    return f"{peak['total']:.2f}: " + ", ".join(parts)


def key_lists_section(metrics: Mapping[str, Any]) -> list[Block]:
    """Missed attack keys and falsely flagged benign keys, with their top reasons."""
    missed, flagged = metrics["missed_attack_keys"], metrics["flagged_benign_keys"]
    blocks: list[Block] = [
        Heading(2, "Missed attack keys"),
        Paragraph(
            f"{missed['total']} abusive keys never reached critical"
            f" (listed: {len(missed['listed'])}, most requests served first; reasons from"
            " the key's highest-scoring alert)."
        ),
    ]
    if missed["listed"]:
        rows = [
            [
                m["api_key_id"], m["scenario"], _structure_text(m["structure"]),
                "n/a" if m["requests_served"] is None else str(m["requests_served"]),
                m["reached"] or "-", num(m["top_score"], 2), "; ".join(m["reasons"]),
                _peak_text(m.get("peak_evidence")),
            ]
            for m in missed["listed"]
        ]  # fmt: skip
        blocks.append(
            Table(
                [
                    "key",
                    "scenario",
                    "structure",
                    "requests served",
                    "reached",
                    "top score",
                    "top reasons",
                    "peak evidence (scores trace)",
                ],
                rows,
            )
        )
    blocks += [
        Heading(2, "Falsely flagged benign keys"),
        Paragraph(
            f"{flagged['total']} benign keys with an alert (listed: {len(flagged['listed'])},"
            " most severe and highest scoring first)."
        ),
    ]
    if flagged["listed"]:
        rows = [
            [
                f["api_key_id"], f["archetype"], _structure_text(f["structure"]), f["severity"],
                num(f["score"], 2), str(f["alerts"]), f["at"], "; ".join(f["reasons"]),
            ]
            for f in flagged["listed"]
        ]  # fmt: skip
        blocks.append(
            Table(
                [
                    "key",
                    "archetype",
                    "structure",
                    "severity",
                    "score",
                    "alerts",
                    "alert at",
                    "top reasons",
                ],
                rows,
            )
        )
    return blocks
