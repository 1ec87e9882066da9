"""A faust agent that does nothing: the baseline the worker is compared with.

Run as a subprocess by ``python -m benchmarks.streaming``::

    python -m benchmarks.streaming.faust_bare BOOTSTRAP TOPIC RECORDS

It counts raw records (no deserialisation, no work) and prints one JSON line
``{"records": N, "seconds": S}`` timed from the first record to the last, so
faust's start-up and group join are excluded. Exits after ``RECORDS``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time

import faust
import orjson


def main(bootstrap: str, topic_name: str, records: int) -> None:
    # faust's default data directory is ./<app id>-data: keep it out of the checkout.
    datadir = tempfile.mkdtemp(prefix="bench-faust-")
    app = faust.App(
        f"bench-faust-{os.getpid()}",
        datadir=datadir,
        broker=f"kafka://{bootstrap}",
        web_enabled=False,
        store="memory://",
        autodiscover=False,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=6.0,
        broker_heartbeat_interval=1.0,
    )
    topic = app.topic(topic_name, value_type=bytes, value_serializer="raw")
    state = {"count": 0, "first": 0.0}

    @app.agent(topic)
    async def bare(stream: faust.StreamT[bytes]) -> None:
        async for _value in stream:
            if state["count"] == 0:
                state["first"] = time.perf_counter()
            state["count"] += 1
            if state["count"] >= records:
                elapsed = time.perf_counter() - state["first"]
                print(orjson.dumps({"records": state["count"], "seconds": elapsed}).decode())
                sys.stdout.flush()
                shutil.rmtree(datadir, ignore_errors=True)
                os._exit(0)  # the measurement is done; skip faust's slow shutdown

    worker = faust.Worker(app, loglevel="WARNING", quiet=True, redirect_stdouts=False)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
