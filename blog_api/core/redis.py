"""Redis clients and key names for every domain: one Redis, or a Redis Cluster (`REDIS_CLUSTER`).

    client = redis_client(settings.redis_url, cluster=settings.redis_cluster)
    key = f"{hash_tag('blog_api', cluster=settings.redis_cluster)}:events"

Every Redis user builds its clients here, so cluster mode is one switch (docs/redis.md):

- `redis_client`: pooled, for short commands; fails fast (one retry for a stale connection).
- `reader_client`: for one blocking reader (XREAD/XREADGROUP with BLOCK): a socket timeout longer
  than the block and no retry of its own (the reader's loop reconnects with a backoff).
- `hash_tag`: in cluster mode `{name}`, so keys that one Lua script or one MULTI touches together
  hash to one slot (Redis Cluster refuses anything else); without a cluster the name as it was,
  so upgrading a single-Redis deployment renames nothing (its streams, mail queue and drafts stay
  where they are).
- `execute_with_scripts`: a pipeline of Lua scripts that also works on a cluster.
- `rate_limit_storage_uri`: the `limits` library's storage for the same Redis.

The client type is `Redis` for both: `RedisCluster` offers the same command methods (what it
routes by key), and the few that differ (`pipeline(transaction=True)` only within one slot,
`pubsub()` on one node) are used the way both support.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast
from urllib.parse import urlsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

# Connections of a worker's command pool (per node on a cluster); a burst beyond them waits for
# a free one on a single Redis (see `redis_client`).
POOL_MAX_CONNECTIONS = 64
POOL_WAIT_SECONDS = 5.0
# redis-py's cluster client cannot wait for a free connection (it raises MaxConnectionsError),
# so its per-node cap is higher: the burst `redis_client` describes lands on the few nodes that
# hold the connection slots and presence keys.
CLUSTER_MAX_CONNECTIONS_PER_NODE = 4 * POOL_MAX_CONNECTIONS


def redis_client(url: str, *, cluster: bool = False, socket_timeout: float = 5.0) -> Redis:
    """A client for short commands: fail fast (one retry for a stale pooled connection).

    On a single Redis the pool waits (up to `POOL_WAIT_SECONDS`) for a free connection instead
    of raising "Too many connections": when thousands of clients disconnect at once, every
    release of a connection slot or presence entry must still reach Redis, or the slots stay
    taken until they expire and reconnecting users are refused meanwhile.
    """
    options: dict[str, Any] = {
        "decode_responses": True,
        "protocol": 2,
        "socket_timeout": socket_timeout,
        "socket_connect_timeout": 2.0,
        "health_check_interval": 30,
        "retry": Retry(NoBackoff(), 1),
    }
    if cluster:
        return _cluster(url, max_connections=CLUSTER_MAX_CONNECTIONS_PER_NODE, **options)
    pool = BlockingConnectionPool.from_url(
        url, max_connections=POOL_MAX_CONNECTIONS, timeout=POOL_WAIT_SECONDS, **options
    )
    return Redis.from_pool(pool)


def reader_client(url: str, *, cluster: bool = False, socket_timeout: float) -> Redis:
    """A client for one blocking reader: `socket_timeout` must exceed its BLOCK (redis-py's
    default of 5 s would otherwise abort every idle read); no retry (the caller reconnects)."""
    options: dict[str, Any] = {
        "decode_responses": True,
        "protocol": 2,
        "socket_timeout": socket_timeout,
        "socket_connect_timeout": 2.0,
        "socket_keepalive": True,
        "health_check_interval": 30,
        "retry": Retry(NoBackoff(), 0),
    }
    if cluster:
        # A few connections per node: the blocking read, and the reader's epoch/retention checks.
        return _cluster(url, max_connections=4, **options)
    return Redis.from_url(url, **options)


def _cluster(url: str, **options: Any) -> Redis:
    # Any node's address will do: the client asks it for the others (CLUSTER SLOTS).
    return cast(Redis, RedisCluster.from_url(url, **options))


def hash_tag(name: str, *, cluster: bool) -> str:
    """`{name}` on a cluster (keys sharing it share a hash slot), else `name` unchanged."""
    return f"{{{name}}}" if cluster else name


def is_cluster(client: Redis) -> bool:
    """Whether `client` talks to a Redis Cluster."""
    return isinstance(client, RedisCluster)


async def execute_with_scripts(
    client: Redis,
    scripts: Sequence[AsyncScript],
    fill: Callable[[Any], Awaitable[None]],
) -> list[Any]:
    """Run a non-transactional pipeline that `fill` stages with calls of `scripts` (it gets a
    `Pipeline`, or a `ClusterPipeline` on a cluster).

    A single Redis's pipeline loads missing scripts itself before sending them; a cluster
    pipeline sends EVALSHA as it is, and a node that has not seen a script yet (a new, restarted
    or promoted node) answers NOSCRIPT to all of that script's calls. Then the scripts are loaded
    on every primary (SCRIPT LOAD goes to all of them) and the pipeline is sent once more: nothing
    of it ran on that node, and every caller's scripts may run twice anyway (idempotent).
    """
    for attempt in (1, 2):
        try:
            async with client.pipeline(transaction=False) as pipe:
                await fill(pipe)
                return await pipe.execute()
        except NoScriptError:
            if attempt == 2 or not is_cluster(client):
                raise
            for script in scripts:
                await client.script_load(script.script)
    raise AssertionError("unreachable")  # pragma: no cover


def rate_limit_storage_uri(url: str, *, cluster: bool) -> tuple[str, dict[str, Any]]:
    """The `limits` storage URI for `url`, and options to pass with it.

    Single Redis: `async+redis://...` (the URL as it is). Cluster: `limits` wants
    `async+redis+cluster://[user:password@]host:port` (no database: a cluster has only 0), and TLS
    (`rediss://`) as an option rather than in the scheme.
    """
    if not cluster:
        return "async+" + url, {}
    parts = urlsplit(url)
    options: dict[str, Any] = {"ssl": True} if parts.scheme == "rediss" else {}
    return f"async+redis+cluster://{parts.netloc}", options
