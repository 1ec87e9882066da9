"""Benign jobs and builders: pipelines, benchmark runs, agents, eval teams, developers.

One module per kind of job; the builders :mod:`benchmarks.heldout.generate` looks up
by name are re-exported here.
"""

from __future__ import annotations

from benchmarks.heldout.benign_jobs.agents import AgentSession, AgentWorkload, coding_agents
from benchmarks.heldout.benign_jobs.benchmark_runs import (
    HARNESSES,
    benchmark_labs,
    declared_benchmarks,
    public_benchmark,
)
from benchmarks.heldout.benign_jobs.people import developers, eval_teams
from benchmarks.heldout.benign_jobs.pipelines import batch_summarizers, label_pipelines

__all__ = [
    "HARNESSES",
    "AgentSession",
    "AgentWorkload",
    "batch_summarizers",
    "benchmark_labs",
    "coding_agents",
    "declared_benchmarks",
    "developers",
    "eval_teams",
    "label_pipelines",
    "public_benchmark",
]
