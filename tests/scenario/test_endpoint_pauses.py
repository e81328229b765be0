"""A 429 pause is shared by every process, and a listening worker checks it without asking Redis."""
from __future__ import annotations

import asyncio
import time

import pytest

from bot.config import load_settings
from bot.stores.endpoint_pauses import AsyncPauses, EndpointPauses, Paused
from bot.stores.redis_connection import async_twin


def test_a_pause_set_anywhere_reaches_a_listening_worker_at_once(redis_client, key_prefix):
    settings = load_settings({"REDIS_KEY_PREFIX": key_prefix})

    async def scenario():
        worker_a, worker_b = async_twin(redis_client), async_twin(redis_client)  # two processes' clients
        a, b = AsyncPauses(worker_a, settings), AsyncPauses(worker_b, settings)
        EndpointPauses(redis_client, settings).pause("GET rooms", 30)  # set before b listens: read at subscribe
        listener = asyncio.create_task(b.listen())
        try:
            while not b.listening:
                await asyncio.sleep(0.01)
            with pytest.raises(Paused):
                await b.check("GET rooms")
            until = await a.pause("POST messages", 30)
            deadline = time.monotonic() + 2
            while b.until.get("POST messages", 0) < until - 1e-3 and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            assert b.until["POST messages"] == pytest.approx(until, abs=1e-3)
            before = (await worker_b.info("commandstats")).get("cmdstat_get", {}).get("calls", 0)
            for _ in range(50):
                with pytest.raises(Paused):
                    await b.check("POST messages")
                await b.check("GET messages")  # another endpoint goes on
            after = (await worker_b.info("commandstats")).get("cmdstat_get", {}).get("calls", 0)
            assert after == before  # checked in memory
            assert redis_client.exists(settings.key("pause", "POST messages"))  # and kept for one-off processes
            with pytest.raises(Paused):
                EndpointPauses(redis_client, settings).check("POST messages")
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
            await worker_a.aclose()
            await worker_b.aclose()

    asyncio.run(scenario())
