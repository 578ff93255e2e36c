"""Drafts in Redis: one hash per draft (`rev`, `doc`) with a TTL, and a per-user index.

Keys (prefix `blog_api:drafts`; on a Redis Cluster the user id is a hash tag, `{<user_id>}`, so the
save script and the delete's MULTI touch one slot while different users spread over the nodes):
- `<prefix>:<user_id>:d:<key>`: hash with `rev` (the revision) and `doc` (JSON: title, content,
  image_ids, updated_at, expires_at); PEXPIRE renewed by every save.
- `<prefix>:<user_id>:index`: sorted set of the user's draft keys scored by expiry (ms), so a
  list needs no SCAN and expired members are pruned by score.

The save is one Lua script, so the revision check, the write, the expiry and the index update
happen atomically: two tabs saving at once cannot both pass the check.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from blog_api.core.redis import hash_tag, redis_client
from blog_api.drafts.store import (
    MAX_DRAFTS,
    DraftContent,
    DraftsUnavailable,
    StaleRevision,
    StoredDraft,
    TooManyDrafts,
)

KEY_PREFIX = "blog_api:drafts"

# Returns {status, revision}: status 1 = saved, 0 = stale revision, -1 = too many drafts.
_SAVE_SCRIPT = """
local rev = tonumber(redis.call('HGET', KEYS[1], 'rev') or '0')
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= rev then
  return {0, rev}
end
local now = tonumber(ARGV[5])
local ttl = tonumber(ARGV[3])
if rev == 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[6]) then
    return {-1, rev}
  end
end
rev = rev + 1
redis.call('HSET', KEYS[1], 'rev', rev, 'doc', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[4])
redis.call('PEXPIRE', KEYS[2], ttl)
return {1, rev}
"""


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@contextmanager
def _reachable() -> Iterator[None]:
    # Redis down or too slow is the server's problem, not the client's: 503, never a 500.
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError) as exc:
        raise DraftsUnavailable() from exc


class RedisDraftStore:
    """`DraftStore` on Redis."""

    def __init__(
        self,
        client: Redis,
        *,
        ttl: timedelta,
        prefix: str = KEY_PREFIX,
        cluster: bool = False,
    ):
        self.client = client
        self.ttl = ttl
        self.prefix = prefix
        self.cluster = cluster
        self._save = client.register_script(_SAVE_SCRIPT)

    @classmethod
    def from_url(cls, url: str, *, ttl: timedelta, cluster: bool = False) -> RedisDraftStore:
        return cls(redis_client(url, cluster=cluster), ttl=ttl, cluster=cluster)

    def _user(self, user_id: int) -> str:
        return f"{self.prefix}:{hash_tag(str(user_id), cluster=self.cluster)}"

    def draft_key(self, user_id: int, key: str) -> str:
        return f"{self._user(user_id)}:d:{key}"

    def index_key(self, user_id: int) -> str:
        return f"{self._user(user_id)}:index"

    @staticmethod
    def _decode(key: str, raw: dict[Any, Any]) -> StoredDraft | None:
        if not raw or "doc" not in raw:
            return None
        doc = json.loads(raw["doc"])
        return StoredDraft(
            key=key,
            title=doc["title"],
            content=doc["content"],
            image_ids=list(doc["image_ids"]),
            revision=int(raw["rev"]),
            updated_at=datetime.fromisoformat(doc["updated_at"]),
            expires_at=datetime.fromisoformat(doc["expires_at"]),
        )

    async def get(self, user_id: int, key: str) -> StoredDraft | None:
        with _reachable():
            raw = await self.client.hgetall(self.draft_key(user_id, key))
        return self._decode(key, raw)

    async def list_drafts(self, user_id: int) -> list[StoredDraft]:
        now = _ms(datetime.now(timezone.utc))
        index = self.index_key(user_id)
        with _reachable():
            keys = [str(k) for k in await self.client.zrangebyscore(index, now, "+inf")]
            if not keys:
                return []
            async with self.client.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.hgetall(self.draft_key(user_id, key))
                raws = await pipe.execute()
        drafts = [
            d
            for key, raw in zip(keys, raws, strict=True)
            if (d := self._decode(key, raw)) is not None
        ]
        return sorted(drafts, key=lambda d: d.updated_at, reverse=True)

    async def save(
        self, user_id: int, key: str, content: DraftContent, *, expected_revision: int | None
    ) -> StoredDraft:
        now = datetime.now(timezone.utc)
        expires_at = now + self.ttl
        doc = json.dumps(
            {
                "title": content.title,
                "content": content.content,
                "image_ids": content.image_ids,
                "updated_at": now.isoformat(),
                "expires_at": expires_at.isoformat(),
            }
        )
        with _reachable():
            status, revision = await self._save(
                keys=[self.draft_key(user_id, key), self.index_key(user_id)],
                args=[
                    "" if expected_revision is None else str(expected_revision),
                    doc,
                    int(self.ttl.total_seconds() * 1000),
                    key,
                    _ms(now),
                    MAX_DRAFTS,
                ],
            )
        if status == 0:
            raise StaleRevision(key, int(revision))
        if status == -1:
            raise TooManyDrafts()
        return StoredDraft(
            key=key,
            title=content.title,
            content=content.content,
            image_ids=list(content.image_ids),
            revision=int(revision),
            updated_at=now,
            expires_at=expires_at,
        )

    async def delete(self, user_id: int, key: str) -> bool:
        with _reachable():
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.delete(self.draft_key(user_id, key))
                pipe.zrem(self.index_key(user_id), key)
                deleted, _ = await pipe.execute()
        return bool(deleted)

    async def aclose(self) -> None:
        await self.client.aclose()
