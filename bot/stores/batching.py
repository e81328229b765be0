"""Script calls of many events sent to Redis together: while one batch is on its way, the next
one gathers, so an idle worker adds no delay and a busy one sends one round trip (and makes
Redis write and fsync its append-only file once) for many events.

Each call is its own atomic script, exactly as if sent alone; only the trip is shared.
"""
from __future__ import annotations

import asyncio

import redis

MAX_BATCH = 64


class ScriptBatcher:
    def __init__(self, client):
        self.redis = client  # redis.asyncio.Redis
        self.pending: list[tuple[object, list, list, asyncio.Future]] = []
        self.flushing = False

    async def call(self, script, keys: list, args: list):
        future = asyncio.get_running_loop().create_future()
        self.pending.append((script, keys, args, future))
        if not self.flushing:
            self.flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
                await self._send(batch)
        finally:
            self.flushing = False

    async def _send(self, batch: list) -> None:
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for script, keys, args, _ in batch:
                    pipe.evalsha(script.sha, len(keys), *keys, *args)  # loaded by the script itself, below
                results = await pipe.execute(raise_on_error=False)
        except Exception as exc:  # noqa: BLE001 - the trip failed: every call in it fails the same way
            for *_, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (script, keys, args, future), result in zip(batch, results):
            if future.done():
                continue  # its caller went away
            if isinstance(result, redis.exceptions.NoScriptError):
                try:  # Redis restarted and lost its scripts: this loads it again
                    result = await script(keys=keys, args=args)
                except Exception as exc:  # noqa: BLE001
                    result = exc
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)


_batchers: dict[int, tuple[object, ScriptBatcher]] = {}


def batcher(client) -> ScriptBatcher:
    """The one batcher of this client, so every kind of script shares the trips."""
    found = _batchers.get(id(client))
    if found is None or found[0] is not client:
        found = _batchers[id(client)] = (client, ScriptBatcher(client))
    return found[1]
