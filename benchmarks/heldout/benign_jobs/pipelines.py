"""Batch pipelines: label classifiers and document summarisers (one template each)."""

from __future__ import annotations

import random

from benchmarks.heldout import human as H
from benchmarks.heldout import vocab as V
from benchmarks.heldout.actor import Request, tokens_of
from benchmarks.heldout.benign_common import add_single_requests, structure_of
from benchmarks.heldout.infra import make_pool
from benchmarks.heldout.tasks import document, review
from benchmarks.heldout.timing import draw_timing
from benchmarks.heldout.workloads import clamp, lognorm
from benchmarks.heldout.world import World


def label_pipelines(w: World, count: int) -> None:
    """Batch classifiers: one template, tiny capped outputs (often ``max_tokens`` = 1)."""
    for i in range(count):
        rng = w.sub(f"labels/{i}")
        rate = lognorm(rng, 150.0, 1.0) * w.scale_rate
        shape = rng.choice(("duty_cycle", "flat", "bursty", "working_hours"))
        timing = draw_timing(rng, shape, rate)
        if shape == "duty_cycle" and rng.random() < 0.5:  # a nightly job
            timing.params.update(on=float(rng.choice((1, 2, 3, 4))), off=0.0)
            timing.params["off"] = 24.0 - timing.params["on"]
        kind = rng.choice(("sentiment", "intent", "topic"))
        cap = rng.choice((1, 1, 1, 2, 3, 5, 10, 20))
        shots = rng.choice((0, 0, 120, 400, 900))
        labels = {
            "sentiment": V.SENTIMENT_LABELS,
            "intent": V.INTENT_LABELS,
            "topic": V.NEWS_TOPICS,
        }[kind]
        head = rng.choice(
            (
                "Classify the {k} of the text. Options: {opts}. Answer with the label only.",
                "Label ({opts}):",
                "You are a classifier. Allowed labels: {opts}.\nReturn one label.",
            )
        ).format(k=kind, opts=", ".join(labels))

        def make(
            r: random.Random, head: str = head, kind: str = kind, cap: int = cap, shots: int = shots
        ) -> Request:
            if kind == "sentiment":
                body = review(r)[0]
            elif kind == "intent":
                body = H.support_message(r)
            else:
                body = document(r, 1)
            text = f"{head}\nText: {body}\nLabel:"
            out = 1 if cap == 1 else clamp(lognorm(r, 2.0, 0.6), 1, cap)
            return Request(tokens_of(text) + shots, out, text, 0, None, 0.0, cap)

        models = (rng.choice(("gpt-4o-mini", "gpt-4.1-nano", "gpt-4.1-mini", "gpt-3.5-turbo")),)
        pool = make_pool(rng.choice(("single", "few")), rng)
        ua_kind = rng.choice(("script", "sdk_default"))
        fields = w.fields(rng)
        add_single_requests(
            w,
            rng,
            "label_pipeline",
            structure_of(timing, pool, ua_kind, models, fields, max_tokens=cap, task=kind),
            timing,
            make,
            (models, ua_kind, pool, fields),
        )


def batch_summarizers(w: World, count: int) -> None:
    """Batch summarisation: long documents in, short summaries out, one template."""
    for i in range(count):
        rng = w.sub(f"summarize/{i}")
        rate = lognorm(rng, 60.0, 1.0) * w.scale_rate
        timing = draw_timing(
            rng, rng.choice(("duty_cycle", "bursty", "flat", "working_hours")), rate
        )
        frame = rng.choice(
            (
                "Summarize the following {d} in {k} bullet points:\n\n{doc}",
                "TL;DR of this {d} for an executive, max {k} sentences.\n---\n{doc}",
                "Produce a structured summary (Purpose, Findings, Actions) of the {d} "
                "below.\n{doc}",
            )
        )
        size = rng.uniform(1200, 5000)

        def make(r: random.Random, frame: str = frame, size: float = size) -> Request:
            text = frame.format(
                d=r.choice(V.DOC_SUBJECTS), k=r.randint(3, 6), doc=document(r, r.randint(6, 14))
            )
            return Request(
                tokens_of(text) + clamp(lognorm(r, size, 0.6), 200, 60000),
                clamp(lognorm(r, 220, 0.4), 30, 1200),
                text,
                0,
                None,
                r.choice((None, 0.2)),
                r.choice((None, 512, 1024)),
            )

        models = (rng.choice(("gpt-4o-mini", "gpt-4.1-mini", "gpt-4o", "gpt-4.1-nano")),)
        pool = make_pool(rng.choice(("single", "few")), rng)
        ua_kind = rng.choice(("script", "sdk_default"))
        fields = w.fields(rng)
        add_single_requests(
            w,
            rng,
            "batch_summarization",
            structure_of(timing, pool, ua_kind, models, fields),
            timing,
            make,
            (models, ua_kind, pool, fields),
        )
