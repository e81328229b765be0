"""One Redis client for the process: the configured server, or the embedded one (embedded_redis.py)."""
from __future__ import annotations

import logging

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from bot.config import Settings
from bot.stores import embedded_redis

log = logging.getLogger(__name__)


def _quick_retry() -> Retry:
    # A webhook must get its 503 within a second when Redis is down, never hang; loops
    # that outlive an outage do their own, slower reconnecting.
    return Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=2)


def connect(settings: Settings) -> redis.Redis:
    if settings.redis_url:
        return redis.Redis.from_url(
            settings.redis_url,
            decode_responses=True,
            socket_timeout=5,
            socket_connect_timeout=0.5,
            retry=_quick_retry(),
            health_check_interval=30,
        )
    return _embedded(settings)


def _embedded(settings: Settings) -> redis.Redis:
    # One redis-server per data directory, shared by every process (bot/stores/embedded_redis.py).
    # Every write is appended and fsynced before Redis answers (AOF, appendfsync always),
    # so an event the web tier acknowledged survives even a killed Redis (README: durability).
    unix_socket = embedded_redis.ensure_server(settings.data_dir, settings.redis_appendfsync)
    client = redis.Redis(unix_socket_path=unix_socket, decode_responses=True, socket_timeout=5,
                         socket_connect_timeout=0.5, health_check_interval=30,
                         retry=embedded_redis.RestartingRetry(settings.data_dir, settings.redis_appendfsync))
    # A server started by an earlier run keeps its own settings: make sure they hold now.
    client.config_set("appendonly", "yes")
    client.config_set("appendfsync", settings.redis_appendfsync)
    log.info("embedded redis", extra={"socket": unix_socket, "appendfsync": settings.redis_appendfsync})
    return client


ASYNC_MAX_CONNECTIONS = 64  # the async worker's events in flight share these


def async_twin(client: redis.Redis):
    """A redis.asyncio client for the server `client` talks to (the async worker's)."""
    import redis.asyncio

    kwargs = client.connection_pool.connection_kwargs
    common = {"db": kwargs.get("db", 0), "username": kwargs.get("username"), "password": kwargs.get("password"),
              "decode_responses": True, "socket_timeout": 10, "socket_connect_timeout": 2,
              "max_connections": ASYNC_MAX_CONNECTIONS}
    if kwargs.get("path"):
        pool = redis.asyncio.BlockingConnectionPool(connection_class=redis.asyncio.UnixDomainSocketConnection,
                                                    path=kwargs["path"], timeout=None, **common)
    else:
        pool = redis.asyncio.BlockingConnectionPool(host=kwargs.get("host", "localhost"), port=kwargs.get("port", 6379),
                                                    timeout=None, **common)
    return redis.asyncio.Redis(connection_pool=pool)


async def on_redis_error(settings: Settings, error: Exception) -> None:
    """The embedded server is started again by whichever process finds it gone."""
    if not settings.redis_url:
        import asyncio

        await asyncio.to_thread(embedded_redis.restart_if_gone, settings.data_dir, settings.redis_appendfsync, error)
