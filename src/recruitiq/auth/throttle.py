"""Brute-force protection for every password check (docs/security.md, "Sign-in throttling").

Three counters of failed checks, shared by every API process through ``login_throttles``:

- the **pair** (account, client address): after ``login_pair_free_failures`` failures each
  further one blocks the pair for twice as long as the one before (1 s, 2 s, 4 s … up to
  ``login_pair_max_block_seconds``); a success, or a day without failures, resets it. One
  guesser is slowed to a handful of guesses an hour, only on that account from that address.
- the **account**, over every address: ``login_account_max_failures`` in a window blocks the
  account until the window ends, except from addresses that have signed in to it before,
  so a distributed guesser cannot keep its owner out.
- the **address**, over every account: ``login_address_max_failures`` in a window blocks
  the address until the window ends (one client trying many accounts).

A blocked attempt is answered 429 before the password is checked, and is not counted. An
unknown e-mail is counted like a known one, so a 429 says nothing about whether it exists.
Keys are HMACs of the e-mail and the address (IPv6 by its /64), never either in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from recruitiq import db
from recruitiq.config import Settings
from recruitiq.errors import RateLimited
from recruitiq.kit.clock import utcnow
from recruitiq.models import LoginThrottle

# A pair that signed in keeps its exemption from the account block this long.
KNOWN_ADDRESS_DAYS = 30
# A pair's failures are forgotten after this long without one.
PAIR_MEMORY = timedelta(days=1)
MESSAGE = "Too many failed sign-ins; try again after Retry-After seconds"


@dataclass(frozen=True)
class Policy:
    window: timedelta
    pair_free_failures: int
    pair_max_block: timedelta
    account_max_failures: int
    address_max_failures: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            window=timedelta(seconds=settings.login_throttle_window_seconds),
            pair_free_failures=settings.login_pair_free_failures,
            pair_max_block=timedelta(seconds=settings.login_pair_max_block_seconds),
            account_max_failures=settings.login_account_max_failures,
            address_max_failures=settings.login_address_max_failures,
        )


@dataclass(frozen=True)
class Keys:
    pair: str
    account: str
    address: str

    @classmethod
    def of(cls, settings: Settings, account: str, address: str) -> Keys:
        def digest(*parts: str) -> str:
            message = "\x00".join(parts).encode()
            return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()

        account, address = account.strip().lower(), address_group(address)
        return cls(
            pair=f"pair:{digest('pair', account, address)}",
            account=f"account:{digest('account', account)}",
            address=f"address:{digest('address', address)}",
        )


def address_group(address: str) -> str:
    """IPv6 clients get a /64 each, so an address counts for the whole /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def retry_after(rows: dict[str, LoginThrottleRow], keys: Keys, now: datetime) -> int | None:
    """Seconds until this attempt may be made, or None if it may be made now."""
    pair = rows.get(keys.pair)
    known = pair is not None and pair.succeeded_at is not None and (
        now - pair.succeeded_at < timedelta(days=KNOWN_ADDRESS_DAYS)
    )
    blocks = [row.blocked_until for key, row in rows.items()
              if row.blocked_until is not None and row.blocked_until > now
              and not (known and key == keys.account)]
    if not blocks:
        return None
    return max(1, math.ceil((max(blocks) - now).total_seconds()))


def block_after_failure(
    kind: str, failures: int, window_started_at: datetime, now: datetime, policy: Policy
) -> datetime | None:
    """How long a counter that has just reached ``failures`` blocks, if at all."""
    if kind == "pair":
        over = failures - policy.pair_free_failures
        if over <= 0:
            return None
        # Exponent capped before it is computed: 2**over of a long run would overflow.
        seconds = min(2.0 ** min(over - 1, 40), policy.pair_max_block.total_seconds())
        return now + timedelta(seconds=seconds)
    cap = policy.account_max_failures if kind == "account" else policy.address_max_failures
    return window_started_at + policy.window if failures >= cap else None


@dataclass(frozen=True)
class LoginThrottleRow:
    blocked_until: datetime | None
    succeeded_at: datetime | None


class PasswordGuard:
    """One password check of ``account`` from ``address``: refuse it while throttled,
    then record how it went. Records are written in transactions of their own, so a
    failure stays counted though the request that made it fails."""

    def __init__(self, session: Session, settings: Settings, account: str, address: str):
        self.session = session
        self.policy = Policy.from_settings(settings)
        self.keys = Keys.of(settings, account, address)

    def refuse_if_throttled(self) -> None:
        keys = (self.keys.pair, self.keys.account, self.keys.address)
        found = self.session.execute(
            select(LoginThrottle.key, LoginThrottle.blocked_until, LoginThrottle.succeeded_at)
            .where(LoginThrottle.key.in_(keys))
        ).all()
        rows = {row.key: LoginThrottleRow(row.blocked_until, row.succeeded_at) for row in found}
        seconds = retry_after(rows, self.keys, utcnow())
        if seconds is not None:
            raise RateLimited(MESSAGE, retry_after_seconds=seconds)

    def failed(self) -> None:
        now = utcnow()
        with self._transaction() as connection:
            for kind, key in (("pair", self.keys.pair), ("account", self.keys.account),
                              ("address", self.keys.address)):
                failures, started = self._count_failure(connection, kind, key, now)
                until = block_after_failure(kind, failures, started, now, self.policy)
                if until is not None:
                    connection.execute(
                        update(LoginThrottle).where(LoginThrottle.key == key).values(
                            blocked_until=case(
                                (LoginThrottle.blocked_until > until,
                                 LoginThrottle.blocked_until),
                                else_=until,
                            )
                        )
                    )

    def succeeded(self) -> None:
        """The pair starts afresh and its address is known to the account."""
        now = utcnow()
        values: dict[str, Any] = {
            "failures": 0, "window_started_at": now, "blocked_until": None,
            "succeeded_at": now, "updated_at": now,
        }
        with self._transaction() as connection:
            insert = _insert(connection.dialect.name)
            statement = insert.values(key=self.keys.pair, **values)
            connection.execute(
                statement.on_conflict_do_update(index_elements=["key"], set_=values)
            )

    def _count_failure(
        self, connection: Connection, kind: str, key: str, now: datetime
    ) -> tuple[int, datetime]:
        # One statement, so that concurrent failures in several processes all count. A
        # pair's back-off outlives the window (waiting out a block must not reset it): it is
        # forgotten after a quiet day, or at a success.
        if kind == "pair":
            expired = LoginThrottle.updated_at <= now - PAIR_MEMORY
        else:
            expired = LoginThrottle.window_started_at <= now - self.policy.window
        insert = _insert(connection.dialect.name).values(
            key=key, failures=1, window_started_at=now, updated_at=now
        )
        statement = insert.on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": case((expired, 1), else_=LoginThrottle.failures + 1),
                "window_started_at": case((expired, now), else_=LoginThrottle.window_started_at),
                "updated_at": now,
            },
        ).returning(LoginThrottle.failures, LoginThrottle.window_started_at)
        failures, started = connection.execute(statement).one()
        return int(failures), started

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        # Its own transaction under the writer lock (the request may have declared it reads).
        bind = self.session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        with db.writing(), engine.begin() as connection:
            yield connection


def _insert(dialect: str) -> Any:
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(LoginThrottle)


def purge_stale(session: Session, now: datetime | None = None) -> int:
    """Counters nobody has touched since an address stopped being known."""
    now = now or utcnow()
    cutoff = now - timedelta(days=KNOWN_ADDRESS_DAYS)
    result = session.execute(delete(LoginThrottle).where(
        LoginThrottle.updated_at < cutoff,
        (LoginThrottle.blocked_until.is_(None)) | (LoginThrottle.blocked_until < now),
    ))
    return int(getattr(result, "rowcount", 0) or 0)
