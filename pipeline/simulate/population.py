"""The benign population: every archetype, its share of the benign keys and its options."""

from __future__ import annotations

from pipeline.simulate import benign, lookalikes
from pipeline.simulate.benign import Archetype

__all__ = ["ARCHETYPES", "BENIGN_WEIGHTS", "OPTIONS"]

ARCHETYPES: dict[str, Archetype] = {**benign.ARCHETYPES, **lookalikes.LOOKALIKES}
OPTIONS: dict[str, dict[str, tuple[str, ...]]] = {**benign.OPTIONS, **lookalikes.OPTIONS}

#: Share of ``--benign-keys`` per archetype (sums to 1). In the ``tune`` split the
#: held-out look-alike's share goes to the others (the benign key count is the same).
BENIGN_WEIGHTS: dict[str, float] = {
    "individual_developer": 0.24,
    "chat_app": 0.08,
    "framework_app": 0.07,
    "batch_classifier": 0.05,
    "eval_harness": 0.04,
    "public_benchmark_user": 0.05,
    "tutoring_app": 0.05,
    "longform_generator": 0.05,
    "translation_service": 0.04,
    "rag_app": 0.08,
    "coding_agent": 0.08,
    "reseller": 0.02,
    "support_bot": 0.04,
    "smart_reply": 0.04,
    "label_pipeline": 0.03,
    "declared_benchmark": 0.02,
    "maintenance_agent": 0.02,
}
