"""Sign-in throttling: per (account, address) back-off, a looser per-account cap that spares
addresses the owner signed in from, a per-address cap; shared by every API process."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from recruitiq.app import create_app
from recruitiq.auth.throttle import Keys, Policy, address_group, block_after_failure
from recruitiq.config import Settings
from recruitiq.kit.background import WorkerContext
from recruitiq.models import LoginThrottle
from recruitiq.worker import all_jobs
from tests.support import assert_error

FREE = 3
ACCOUNT_CAP = 8
ADDRESS_CAP = 12
WRONG = "not the password at all"


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(
        database_url=database_url, data_dir=tmp_path / "data",
        login_pair_free_failures=FREE, login_account_max_failures=ACCOUNT_CAP,
        login_address_max_failures=ADDRESS_CAP,
    )


def _from(app, address: str) -> TestClient:
    return TestClient(app, client=(address, 40000))


def _login(client: TestClient, email: str, password: str):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def _expire_blocks(app) -> None:
    """Time passing, without waiting: every block ends now."""
    with app.state.session_factory() as session:
        past = datetime.now(UTC) - timedelta(seconds=1)
        session.execute(update(LoginThrottle).where(LoginThrottle.blocked_until.is_not(None))
                        .values(blocked_until=past))
        session.commit()


def _assert_throttled(response) -> int:
    assert_error(response, 429, "rate_limited")
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1
    return retry_after


def test_wrong_passwords_back_off_exponentially_then_the_right_one_waits_too(app, tenant):
    attacker = _from(app, "198.51.100.7")
    for _ in range(FREE):
        assert_error(_login(attacker, tenant.email, WRONG), 401, "invalid_credentials")
    # The next failure starts the back-off: blocked 1 s, then 2 s, then 4 s.
    assert_error(_login(attacker, tenant.email, WRONG), 401, "invalid_credentials")
    assert _assert_throttled(_login(attacker, tenant.email, tenant.password)) == 1
    blocks = []
    for _ in range(3):
        _expire_blocks(app)
        assert_error(_login(attacker, tenant.email, WRONG), 401, "invalid_credentials")
        blocks.append(_assert_throttled(_login(attacker, tenant.email, WRONG)))
    assert blocks[0] < blocks[1] < blocks[2] and blocks[0] <= 2 and blocks[1] <= 4 <= blocks[2] <= 8

    # The owner, elsewhere, is not held up by the attacker's pair.
    owner = _from(app, "192.0.2.10")
    assert _login(owner, tenant.email, tenant.password).status_code == 200


def test_waiting_out_a_block_does_not_reset_the_back_off(app, tenant):
    attacker = _from(app, "198.51.100.8")
    for _ in range(FREE + 1):
        assert_error(_login(attacker, tenant.email, WRONG), 401)
    # An hour later (every window over, every block ended) the pair still backs off.
    with app.state.session_factory() as session:
        hour_ago = datetime.now(UTC) - timedelta(hours=1)
        session.execute(update(LoginThrottle).values(window_started_at=hour_ago,
                                                     blocked_until=hour_ago))
        session.commit()
    assert_error(_login(attacker, tenant.email, WRONG), 401)
    _assert_throttled(_login(attacker, tenant.email, tenant.password))


def test_a_success_resets_the_pair(app, tenant):
    user = _from(app, "192.0.2.20")
    for _round in range(3):
        for _ in range(FREE):
            assert_error(_login(user, tenant.email, WRONG), 401, "invalid_credentials")
        assert _login(user, tenant.email, tenant.password).status_code == 200


def test_account_cap_spares_addresses_the_owner_signed_in_from(app, tenant):
    home = _from(app, "192.0.2.30")
    assert _login(home, tenant.email, tenant.password).status_code == 200
    # A distributed guesser: one failure from each of many addresses, no pair blocked.
    for i in range(ACCOUNT_CAP):
        assert_error(_login(_from(app, f"203.0.113.{i + 1}"), tenant.email, WRONG), 401)
    new_place = _from(app, "192.0.2.31")
    _assert_throttled(_login(new_place, tenant.email, tenant.password))
    assert _login(home, tenant.email, tenant.password).status_code == 200


def test_address_cap_across_accounts_and_unknown_emails_are_throttled_alike(app, tenant):
    stuffer = _from(app, "198.51.100.99")
    for i in range(ADDRESS_CAP):
        assert_error(_login(stuffer, f"user{i}@nobody.example", WRONG), 401)
    unknown = _login(stuffer, "someone-else@nobody.example", WRONG)
    known = _login(stuffer, tenant.email, tenant.password)
    assert _assert_throttled(unknown) and _assert_throttled(known)
    assert unknown.json()["error"]["message"] == known.json()["error"]["message"]
    assert _login(_from(app, "192.0.2.40"), tenant.email, tenant.password).status_code == 200


def test_the_throttle_is_shared_by_api_processes(settings, app, tenant):
    other_process = create_app(settings, run_worker=False)  # its own engine and pool
    try:
        here, there = _from(app, "198.51.100.50"), _from(other_process, "198.51.100.50")
        for client in (here, there, here, there):
            assert_error(_login(client, tenant.email, WRONG), 401)
        _assert_throttled(_login(here, tenant.email, tenant.password))
        _assert_throttled(_login(there, tenant.email, tenant.password))
    finally:
        other_process.state.engine.dispose()


def test_concurrent_failures_are_all_counted(settings, app, tenant):
    clients = [_from(app, "198.51.100.60") for _ in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda c: _login(c, "victim@nobody.example", WRONG).status_code,
                                 clients))
    assert set(statuses) <= {401, 429}
    keys = Keys.of(settings, "victim@nobody.example", "198.51.100.60")
    with app.state.session_factory() as session:
        account = session.scalar(select(LoginThrottle.failures)
                                 .where(LoginThrottle.key == keys.account))
        rows = session.scalar(select(func.count()).select_from(LoginThrottle))
    assert account == statuses.count(401) and rows == 3


def test_no_e_mail_or_address_is_stored(app, tenant):
    assert_error(_login(_from(app, "198.51.100.70"), tenant.email, WRONG), 401)
    with app.state.session_factory() as session:
        keys = list(session.scalars(select(LoginThrottle.key)))
    assert len(keys) == 3
    assert not any(tenant.email in k or "198.51.100.70" in k for k in keys)


def test_back_off_schedule_and_caps():
    policy = Policy(window=timedelta(minutes=15), pair_free_failures=5,
                    pair_max_block=timedelta(minutes=15), account_max_failures=50,
                    address_max_failures=200)
    now = datetime(2026, 12, 1, tzinfo=UTC)

    def pair_block(failures: int) -> float | None:
        until = block_after_failure("pair", failures, now, now, policy)
        return None if until is None else (until - now).total_seconds()

    assert [pair_block(n) for n in range(1, 10)] == [None] * 5 + [1, 2, 4, 8]
    assert pair_block(15) == 512 and pair_block(16) == 900 and pair_block(10_000) == 900
    started = now - timedelta(minutes=5)
    assert block_after_failure("account", 49, started, now, policy) is None
    assert block_after_failure("account", 50, started, now, policy) == started + policy.window
    assert block_after_failure("address", 200, started, now, policy) == started + policy.window


def test_ipv6_clients_count_by_their_64():
    assert address_group("2001:db8:1:2:aaaa::1") == address_group("2001:db8:1:2:bbbb::2")
    assert address_group("2001:db8:1:3::1") != address_group("2001:db8:1:2::1")
    assert address_group("::ffff:192.0.2.1") == "192.0.2.1"
    assert address_group("testclient") == "testclient"


def test_the_worker_forgets_counters_untouched_for_a_month(app, tenant):
    for address in ("198.51.100.80", "198.51.100.81"):
        assert_error(_login(_from(app, address), tenant.email, WRONG), 401)
    stale = datetime.now(UTC) - timedelta(days=31)
    with app.state.session_factory() as session:
        session.execute(update(LoginThrottle).where(LoginThrottle.key.like("pair:%"))
                        .values(updated_at=stale))
        session.commit()
    [job] = [j for j in all_jobs(app.state.settings) if j.name == "login-throttle-retention"]
    ctx = WorkerContext(app.state.settings, app.state.engine, app.state.session_factory)
    asyncio.run(job.run(ctx))
    with app.state.session_factory() as session:
        kinds = sorted(k.split(":")[0] for k in session.scalars(select(LoginThrottle.key)))
    assert kinds == ["account", "address", "address"]  # the stale pairs gone, the rest kept
