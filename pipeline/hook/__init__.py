"""The key-suspension hook: alerts in, policy, signed and durable actions out.

Pure parts (no I/O, clock injected): :mod:`~pipeline.hook.policy`,
:mod:`~pipeline.hook.intake`, :mod:`~pipeline.hook.decide`,
:mod:`~pipeline.hook.signing`. Thin I/O around them:
:mod:`~pipeline.hook.store` (SQLite: audit, outbox), :mod:`~pipeline.hook.delivery`
(HTTP), :mod:`~pipeline.hook.consumer` (Kafka), :mod:`~pipeline.hook.receiver`
(Alertmanager webhook), :mod:`~pipeline.hook.runner` (wiring). See docs/HOOK.md.
"""
