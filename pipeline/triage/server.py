"""Running the triage: load files, follow the feeds, serve the page until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.triage.actions import Actions, ActionSettings
from pipeline.triage.feeds import FeedbackFile, HookDatabase, follow_topic, load_alerts, load_scores
from pipeline.triage.store import TriageStore
from pipeline.triage.web import build_app

__all__ = ["PortBusy", "TriageConfig", "serve"]

log = logging.getLogger("distillwatch.triage")


class PortBusy(OSError):
    """The listen address is taken (one line for the user, no traceback)."""


@dataclass(frozen=True)
class TriageConfig:
    """Everything ``distillwatch triage`` (and the demo) needs; built once by the CLI."""

    db: Path
    actions: ActionSettings
    host: str = "127.0.0.1"
    port: int = 9310
    alerts_files: tuple[Path, ...] = ()
    scores_files: tuple[Path, ...] = ()
    kafka: Any = None  # pipeline.config.Settings when following topics
    alerts_topic: str = "alerts"
    follow_feedback_topic: bool = True
    poll_seconds: float = 1.0
    extra: dict[str, Any] = field(default_factory=dict)


def load_files(store: TriageStore, config: TriageConfig, say: Callable[[str], None]) -> None:
    """Load replay output into the store (idempotent: alerts are kept once per id)."""
    for path in config.alerts_files:
        stats = load_alerts(store, path)
        say(f"{path}: {stats.read:,} alerts read, {stats.added:,} new, {stats.skipped} skipped")
    for path in config.scores_files:
        stats = load_scores(store, path)
        say(f"{path}: {stats.read:,} scores read, {stats.skipped} skipped")
    if config.alerts_files or config.scores_files:
        store.analyze()


async def _poll_local(
    store: TriageStore,
    config: TriageConfig,
    stop: asyncio.Event,
    feedback: FeedbackFile,
    hook: HookDatabase | None,
) -> None:
    while not stop.is_set():
        await asyncio.to_thread(feedback.poll, store)
        if hook is not None:
            await asyncio.to_thread(hook.poll, store)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), config.poll_seconds)


async def serve(
    config: TriageConfig,
    stop: asyncio.Event,
    on_ready: Callable[[str], None] = lambda url: None,
    say: Callable[[str], None] = lambda text: None,
) -> None:
    """Serve until ``stop`` is set; ``on_ready`` gets the page's URL once it listens.

    Raises
    ------
    PortBusy
        When the listen address is already in use.
    """
    from aiohttp import web

    store = TriageStore(config.db)
    tasks: list[asyncio.Task[None]] = []
    runner = None
    try:
        await asyncio.to_thread(load_files, store, config, say)
        app = build_app(store, Actions(store, config.actions))
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, config.host, config.port)
        try:
            await site.start()
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortBusy(
                    f"{config.host}:{config.port} is already in use (another triage? pick "
                    "another with --listen HOST:PORT, or port 0 for a free one)"
                ) from None
            raise
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        host = config.host if ":" not in config.host else f"[{config.host}]"
        feedback = FeedbackFile(config.actions.feedback_file)
        hook = HookDatabase(config.actions.hook_db) if config.actions.hook_db else None
        # One poll before the URL is announced: the first page already shows labels and
        # the hook's decisions.
        await asyncio.to_thread(feedback.poll, store)
        if hook is not None:
            await asyncio.to_thread(hook.poll, store)
        tasks.append(asyncio.create_task(_poll_local(store, config, stop, feedback, hook)))
        if config.kafka is not None:
            tasks.append(
                asyncio.create_task(follow_topic(config.kafka, config.alerts_topic, store, stop))
            )
            if config.follow_feedback_topic:
                tasks.append(
                    asyncio.create_task(
                        follow_topic(
                            config.kafka, config.actions.feedback_topic, store, stop, "feedback"
                        )
                    )
                )
        on_ready(f"http://{host}:{port}/")
        await stop.wait()
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        for result in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(result, Exception) and not isinstance(result, asyncio.CancelledError):
                log.warning("triage: a feed stopped: %s", result)
        if runner is not None:
            await runner.cleanup()
        store.close()
