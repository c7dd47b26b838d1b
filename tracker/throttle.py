"""The failed sign-in counters: per key ("account:NAME", "address:IP"), in a fixed window that
starts at the first failure. Kept where every worker process sees them: the database by
default (an atomic upsert per failure, in the caller's transaction), Redis when
TRACKER_REDIS_URL is set (each key expires when its window ends).

Flask-Limiter counts requests and keeps them in memory, Redis, Memcached or MongoDB, not in
SQL; counting failures in the same transaction as their audit row needs the database, so the
few lines here replace it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from tracker.config import Settings
from tracker.models import SignInThrottle


class Throttle(Protocol):
    """Failed sign-ins per key in a fixed window; shared by every worker process."""

    max_failures: int
    window: timedelta

    def retry_after(self, session: Session, keys: Sequence[str], now: datetime) -> int:
        """Seconds until an attempt on any of `keys` is allowed again (0: allowed now)."""

    def record_failure(self, session: Session, keys: Sequence[str], now: datetime) -> None:
        """Count one failure on each key (in the caller's transaction where there is one)."""

    def clear(self, session: Session, keys: Sequence[str]) -> None:
        """Forget the failures on `keys` (after a successful sign-in)."""


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


@dataclass
class DatabaseThrottle:
    """Counters in the sign_in_throttles table: an atomic upsert per failure, so concurrent
    workers on SQLite or PostgreSQL never lose a count."""

    max_failures: int
    window: timedelta

    def retry_after(self, session: Session, keys: Sequence[str], now: datetime) -> int:
        starts = session.scalars(select(SignInThrottle.window_start).where(
            SignInThrottle.key.in_(list(keys)),
            SignInThrottle.window_start > now - self.window,
            SignInThrottle.failures >= self.max_failures)).all()
        return max((_seconds(start + self.window - now) for start in starts), default=0)

    def record_failure(self, session: Session, keys: Sequence[str], now: datetime) -> None:
        insert: Any = postgresql_insert if session.get_bind().dialect.name == "postgresql" \
            else sqlite_insert  # the same ON CONFLICT upsert, spelt per dialect
        cutoff = now - self.window
        session.execute(delete(SignInThrottle).where(SignInThrottle.window_start <= cutoff))
        for key in dict.fromkeys(keys):
            stmt = insert(SignInThrottle).values(key=key, window_start=now, failures=1)
            expired = SignInThrottle.window_start <= cutoff
            session.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={
                "failures": case((expired, 1), else_=SignInThrottle.failures + 1),
                "window_start": case((expired, now), else_=SignInThrottle.window_start),
            }))

    def clear(self, session: Session, keys: Sequence[str]) -> None:
        session.execute(delete(SignInThrottle).where(SignInThrottle.key.in_(list(keys))))


# INCR, and start the window's expiry on the first failure, in one atomic step.
_REDIS_FAIL = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
"""


@dataclass
class RedisThrottle:
    """Counters in Redis (TRACKER_REDIS_URL): each key expires when its window ends."""

    max_failures: int
    window: timedelta
    client: Any
    prefix: str = "tracker:sign-in:"

    def _key(self, key: str) -> str:
        return self.prefix + key

    def retry_after(self, session: Session, keys: Sequence[str], now: datetime) -> int:
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.get(self._key(key))
            pipe.pttl(self._key(key))
        values = pipe.execute()
        wait = 0
        for count, ttl in zip(values[::2], values[1::2], strict=True):
            if count is not None and int(count) >= self.max_failures and ttl > 0:
                wait = max(wait, math.ceil(ttl / 1000))
        return wait

    def record_failure(self, session: Session, keys: Sequence[str], now: datetime) -> None:
        window_ms = int(self.window.total_seconds() * 1000)
        for key in dict.fromkeys(keys):
            self.client.eval(_REDIS_FAIL, 1, self._key(key), window_ms)

    def clear(self, session: Session, keys: Sequence[str]) -> None:
        self.client.delete(*(self._key(k) for k in keys))


def make_throttle(settings: Settings) -> Throttle:
    window = timedelta(minutes=settings.sign_in_window_minutes)
    if settings.redis_url:
        import redis

        return RedisThrottle(settings.sign_in_max_failures, window,
                             redis.Redis.from_url(settings.redis_url))
    return DatabaseThrottle(settings.sign_in_max_failures, window)
