"""The evaluation report: ``metrics.json``, ``report.md`` and ``report.html``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from detectors.timestamps import format_ts
from pipeline.evaluate.document import (
    Block,
    Bullets,
    Heading,
    Image,
    Paragraph,
    Table,
    inline_image,
    to_html,
    to_markdown,
)
from pipeline.evaluate.fmt import count_of, num, pct, spread
from pipeline.evaluate.records import LEVELS
from pipeline.evaluate.report_quality import (
    generalization_section,
    headline_section,
    key_lists_section,
    served_cells,
    structures_section,
)

TITLE = "distillwatch evaluation"

#: Thresholds shown in the sweep table (the full sweep is in metrics.json).
SWEEP_TABLE_STEP = 0.1


def write_metrics(metrics: Mapping[str, Any], path: Path) -> None:
    """Write ``metrics.json``: insertion order is the (fixed) key order, 2-space indent."""
    path.write_bytes(orjson.dumps(metrics, option=orjson.OPT_INDENT_2) + b"\n")


def _inputs_section(metrics: Mapping[str, Any]) -> list[Block]:
    rows = [
        [
            r["role"],
            r["path"],
            str(r["lines"]),
            str(r["records"]),
            str(r["malformed"]),
            str(r["duplicates"]),
        ]
        for r in metrics["inputs"]
    ]
    blocks: list[Block] = [
        Heading(2, "Inputs"),
        Table(["input", "file", "lines", "records", "malformed", "duplicates"], rows),
    ]
    examples = [f"{r['role']}: {e}" for r in metrics["inputs"] for e in r["malformed_examples"]]
    if examples:
        blocks += [Paragraph("Malformed lines (first examples, skipped):"), Bullets(examples)]
    labels = metrics["labels"]
    text = f"{labels['keys']} labelled keys: {labels['abuse']} abusive, {labels['benign']} benign."
    if labels["feedback"]:
        fb = labels["feedback"]
        text += (
            f" Analyst feedback: {fb['verdicts']} verdicts, {fb['confirmed']} confirmed,"
            f" {fb['flipped']} flipped, {fb['added']} added."
        )
    unl = metrics["unlabelled_alerts"]
    if unl["alerts"]:
        text += f" {unl['alerts']} alerts on {unl['keys']} unlabelled keys are left out."
    blocks.append(Paragraph(text))
    return blocks


def _overall_section(metrics: Mapping[str, Any]) -> list[Block]:
    ov = metrics["overall"]
    rows = []
    for level in LEVELS:
        c = ov["levels"][level]
        rows.append(
            [
                f"{level}{' or above' if level == LEVELS[0] else ''}",
                str(c["true_positives"]),
                str(c["false_positives"]),
                str(c["false_negatives"]),
                pct(c["precision"]),
                pct(c["recall"]),
                pct(c["f1"]),
                pct(c["benign_fpr"]),
            ]
        )
    alerts = ov["alerts"]
    return [
        Heading(2, "Overall (over keys)"),
        Table(["severity", "TP", "FP", "FN", "precision", "recall", "F1", "benign FPR"], rows),
        Paragraph(
            f"Alerts on labelled keys: {alerts['on_labelled_keys']}; on benign keys:"
            f" {alerts['on_benign_keys']}; on abusive keys before their attack started"
            f" (false positives): {alerts['on_abuse_keys_before_attack']}."
        ),
    ]


def _scenario_section(metrics: Mapping[str, Any]) -> list[Block]:
    rows = []
    ttd_rows = []
    exposure_rows = []
    for s in metrics["scenarios"]:
        q = s["quality"]
        rows.append(
            [
                s["scenario"],
                str(s["keys"]),
                str(q["counted"]),
                count_of(q["detected"]["warning"], q["counted"]),
                pct(q["recall"]["warning"]),
                served_cells(q["served_before"], "warning"),
                count_of(q["detected"]["critical"], q["counted"]),
                pct(q["recall"]["critical"]),
                served_cells(q["served_before"], "critical"),
                str(s["keys_alerted_before_attack"]),
            ]
        )
        for level in LEVELS:
            ttd = s["time_to_detect_minutes"][level]
            ttd_rows.append(
                [
                    s["scenario"],
                    level,
                    str(ttd["n"]),
                    spread(ttd),
                    spread(s["requests_before_detection"][level], 0),
                    str(ttd["unknown_start"]),
                ]
            )
        exp = s["exposure"]
        if exp is not None:
            exposure_rows.append(
                [s["scenario"], str(exp["attacker_requests"])]
                + [
                    f"{exp['before_detection'][lv]['requests']}"
                    f" ({pct(exp['before_detection'][lv]['share'])})"
                    for lv in LEVELS
                ]
            )
    blocks: list[Block] = [
        Heading(2, "Abusive scenarios"),
        Paragraph(
            "A key is detected when it has an alert at the severity or above at/after its"
            " attack start; earlier alerts are false positives (last column: keys with such"
            " alerts). Recall counts the keys that sent a request from their attack start"
            ' ("counted"; all labelled keys without --events). Beside it, the share of the'
            " attacker's requests served up to the first alert: median key / worst key"
            " (never alerted: 100 %)."
        ),
        Table(
            [
                "scenario",
                "keys",
                "counted",
                "detected (warning+)",
                "recall (warning+)",
                "served before warning",
                "detected (critical)",
                "recall (critical)",
                "served before critical",
                "alerted before attack",
            ],
            rows,
        ),
        Heading(3, "Time to detect"),
        Paragraph(
            "Minutes of event time from the attack start (or the key's first event) to the"
            " first alert, and requests the key sent in that time (needs --events);"
            " p50 / p90 / max over detected keys."
        ),
        Table(
            ["scenario", "severity", "detected", "minutes", "requests", "start unknown"],
            ttd_rows,
        ),
    ]
    if exposure_rows:
        blocks += [
            Heading(3, "Attacker requests served before detection"),
            Paragraph(
                "Requests of abusive keys from their attack start (retries counted once);"
                " an undetected key counts all of them. A mixed key's legitimate requests"
                " after its attack start are included: events carry no per-request label."
            ),
            Table(
                ["scenario", "attacker requests", "before warning", "before critical"],
                exposure_rows,
            ),
        ]
    return blocks


def _benign_section(metrics: Mapping[str, Any]) -> list[Block]:
    rows = [
        [
            b["archetype"],
            str(b["keys"]),
            str(b["quality"]["counted"]),
            count_of(b["quality"]["any"], b["quality"]["counted"]),
            pct(b["quality"]["any_rate"]),
            count_of(b["quality"]["critical"], b["quality"]["counted"]),
            pct(b["quality"]["critical_rate"]),
        ]
        for b in metrics["benign_archetypes"]
    ]
    basis = (
        'Rates count benign keys that sent at least one event ("counted").'
        if metrics["events_given"]
        else "No events file (--events): rates count every labelled benign key, including"
        " keys that sent nothing."
    )
    return [
        Heading(2, "Benign archetypes (false positives)"),
        Paragraph(basis),
        Table(
            [
                "archetype",
                "keys",
                "counted",
                "any alert",
                "FP rate",
                "critical alert",
                "FP rate (critical)",
            ],
            rows,
        ),
    ]


def _sweep_rows(rows: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    step = round(SWEEP_TABLE_STEP * (len(rows) - 1)) or 1
    shown = list(rows[::step])
    return [
        [
            num(r["threshold"], 2),
            str(r["keys_flagged"]),
            pct(r["precision"]),
            pct(r["recall"]),
            pct(r["f1"]),
            pct(r["benign_fpr"]),
        ]
        for r in shown
    ]


def _sweep_section(metrics: Mapping[str, Any], plots: Sequence[str]) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Threshold sweep")]
    for block in (metrics["threshold_sweep"], metrics["score_sweep"]):
        if block is None:
            continue
        best = block["best"]
        source = "alert scores" if block["source"] == "alerts" else "score timelines"
        if best is None:
            blocks.append(Paragraph(f"From {source}: no threshold detects any abusive key."))
        else:
            blocks.append(
                Paragraph(
                    f"From {source}: best F1 {pct(best['f1'])} at threshold"
                    f" {num(best['threshold'], 2)} (precision {pct(best['precision'])},"
                    f" recall {pct(best['recall'])}, benign FPR {pct(best['benign_fpr'])})."
                )
            )
        capped = block["best_within_fpr"]
        budget = pct(block["max_benign_fpr"])
        if capped is None:
            blocks.append(Paragraph(f"No threshold keeps benign FPR within {budget}."))
        else:
            blocks.append(
                Paragraph(
                    f"With benign FPR at most {budget}: best F1 {pct(capped['f1'])} at threshold"
                    f" {num(capped['threshold'], 2)} (precision {pct(capped['precision'])},"
                    f" recall {pct(capped['recall'])}, benign FPR {pct(capped['benign_fpr'])})."
                )
            )
        blocks.append(
            Table(
                ["threshold", "keys flagged", "precision", "recall", "F1", "benign FPR"],
                _sweep_rows(block["rows"]),
            )
        )
    if "precision_recall.png" in plots:
        blocks.append(Image("precision_recall.png", "precision and recall over threshold"))
    return blocks


def _campaign_section(metrics: Mapping[str, Any]) -> list[Block]:
    c = metrics["campaigns"]
    rows = [
        [
            k["campaign_id"],
            str(k["members"]),
            count_of(k["members_alerted"], k["members"]),
            str(k["members_in_detected_campaign"]),
            count_of(k["alerts_with_campaign_id"], k["alerts"]),
            str(len(k["detected_campaign_ids"])),
            str(k["benign_keys_pulled_in"]),
        ]
        for k in c["campaigns"]
    ]
    blocks: list[Block] = [
        Heading(2, "Campaigns"),
        Paragraph(
            f"{c['labelled_campaigns']} labelled campaigns; {c['detected_campaign_ids']} campaign"
            f" ids on alerts, {c['detected_campaigns_without_abuse']} of them without any abusive"
            f" key; {c['benign_keys_pulled_in']} benign keys pulled into a campaign"
            f" ({c['alerts_with_campaign_id_on_benign']} alerts)."
        ),
    ]
    if rows:
        blocks.append(
            Table(
                [
                    "campaign",
                    "members",
                    "alerted",
                    "in a detected campaign",
                    "alerts with campaign id",
                    "detected ids",
                    "benign pulled in",
                ],
                rows,
            )
        )
    blocks.extend(_campaign_map(c))
    if c["benign_keys_pulled_in_sample"]:
        blocks.append(
            Paragraph("Benign keys in campaigns: " + ", ".join(c["benign_keys_pulled_in_sample"]))
        )
    return blocks


def _campaign_map(c: Mapping[str, Any]) -> list[Block]:
    """Which detected campaign ids each labelled campaign became, and why there can be many."""
    rows = [
        [
            k["campaign_id"] if i == 0 else "",
            part["detected_id"],
            f"{part['members']} of {k['members']}",
            format_ts(part["first_alert_ts"]) if part["first_alert_ts"] is not None else "-",
            ", ".join(part["other_labelled_campaigns"]) or "-",
            str(part["benign_keys"]),
        ]
        for k in c["campaigns"]
        for i, part in enumerate(k.get("detected_campaign_map", []))
    ]
    if not rows:
        return []
    merged = c.get("detected_ids_spanning_labelled_campaigns", [])
    return [
        Heading(3, "How labelled campaigns map to detected campaign ids"),
        Paragraph(
            "The campaign stage names each part of a template group it scores (docs/CAMPAIGNS.md):"
            " a labelled campaign shows under several ids when its members split into parts"
            " (fragments of its template cloud, members with different user agents), each id"
            " stable for its part. An id shared by two labelled campaigns means the stage merged"
            f" them ({len(merged)} such ids). Members without any campaign id were caught, if at"
            " all, by their own per-key alerts."
        ),
        Table(
            [
                "labelled campaign",
                "detected id",
                "members carrying it",
                "first alert",
                "also in labelled",
                "benign keys",
            ],
            rows,
        ),
    ]


def _figures_section(metrics: Mapping[str, Any], plots: Sequence[str]) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Figures")]
    if "time_to_detect.png" in plots:
        blocks.append(Image("time_to_detect.png", "time to detect per scenario"))
    samples = metrics["samples"]
    items = [f"{group}: {', '.join(keys)}" for group, keys in samples["keys"].items()]
    blocks += [
        Paragraph(f"Sample keys (score timelines from {samples['source']}):"),
        Bullets(items),
    ]
    if "score_timelines.png" in plots:
        blocks.append(Image("score_timelines.png", "score timelines of sample keys"))
    return blocks


def build_report(metrics: Mapping[str, Any], plots: Sequence[str]) -> list[Block]:
    """All report blocks, in reading order."""
    return [
        Heading(1, TITLE),
        *headline_section(metrics),
        *_overall_section(metrics),
        *_scenario_section(metrics),
        *generalization_section(metrics),
        *_benign_section(metrics),
        *key_lists_section(metrics),
        *structures_section(metrics),
        *_sweep_section(metrics, plots),
        *_campaign_section(metrics),
        *_figures_section(metrics, plots),
        *_inputs_section(metrics),
    ]


def write_report(metrics: Mapping[str, Any], plots: Sequence[str], out_dir: Path) -> None:
    """Write ``report.md`` (images linked) and ``report.html`` (images inlined)."""
    blocks = build_report(metrics, plots)
    (out_dir / "report.md").write_text(to_markdown(blocks), encoding="utf-8")
    html = to_html(blocks, TITLE, inline_image(out_dir))
    (out_dir / "report.html").write_text(html, encoding="utf-8")
