"""The per-key engine: a key table, scoring, explanations, and the per-event step."""

from detectors.engine.engine import DETECTOR, MILESTONES, Engine, EngineStats

__all__ = ["DETECTOR", "MILESTONES", "Engine", "EngineStats"]
