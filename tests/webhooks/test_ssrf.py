"""The SSRF guard: refused at creation (422 on url) and at connect time in production."""

from __future__ import annotations

import asyncio
import socket

import pytest

from recruitiq.config import Settings
from recruitiq.errors import ValidationFailed
from recruitiq.webhooks.ssrf import (
    Allowlist,
    SsrfRefused,
    checked_addresses,
    validate_subscription_url,
)
from tests.webhooks.receivers import (
    add_subscription,
    attempts,
    create_job,
    deliveries,
    drain,
    receiver,
)

PROD = {"env": "production", "secret_key": "x" * 40}


def _prod(**extra):
    return Settings(**PROD, **extra)


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.7/hook", "https://[::1]/hook", "https://localhost/hook",
    "https://[::ffff:127.0.0.1]/hook", "https://192.168.1.1/hook", "https://0.0.0.0/hook",
    "https://172.16.5.4/hook", "https://100.127.255.254/hook", "https://224.0.0.251/hook",
    "https://[ff02::1]/hook", "https://[fc00::1]/hook", "https://[fd12:3456::7]/hook",
    "https://[fe80::1]/hook", "https://[fd00:ec2::254]/latest/meta-data",
])
def test_production_refuses_internal_targets(url):
    with pytest.raises(ValidationFailed) as error:
        validate_subscription_url(url, _prod())
    assert error.value.details[0]["field"] == "url"


def test_production_requires_https_and_accepts_public_addresses():
    with pytest.raises(ValidationFailed, match="https"):
        validate_subscription_url("http://93.184.216.34/hook", _prod())
    validate_subscription_url("https://93.184.216.34/hook", _prod())
    validate_subscription_url("https://[2606:4700:4700::1111]/hook", _prod())


def test_allowlist_by_host_and_cidr():
    settings = _prod(webhook_allowlist="activepieces, 10.0.0.0/8")
    validate_subscription_url("http://activepieces:8080/hook", settings)
    validate_subscription_url("https://10.1.2.3/hook", settings)
    with pytest.raises(ValidationFailed):
        validate_subscription_url("https://192.168.0.1/hook", settings)


def test_development_allows_http_loopback_but_only_http_schemes():
    validate_subscription_url("http://127.0.0.1:9000/hook", Settings())
    for url in ("ftp://example.com/x", "file:///etc/passwd", "not a url"):
        with pytest.raises(ValidationFailed):
            validate_subscription_url(url, Settings())


def test_connect_time_check_refuses_names_that_resolve_inside():
    def resolve(host, allowlist):
        return asyncio.run(checked_addresses(host, 443, Allowlist(allowlist)))

    with pytest.raises(SsrfRefused, match="localhost resolves to 127.0.0.1"):
        resolve("localhost", [])
    with pytest.raises(SsrfRefused, match="169.254.169.254 is a link-local"):
        resolve("169.254.169.254", [])
    assert resolve("localhost", ["127.0.0.0/8", "::1"])[0] in ("127.0.0.1", "::1")
    assert resolve("localhost", ["localhost"])[0] in ("127.0.0.1", "::1")
    assert resolve("8.8.8.8", []) == ["8.8.8.8"]


def _production_app_settings(settings, **extra):
    return settings.model_copy(update={"env": "production", **extra})


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_connect_time_guard_refuses_loopback_in_production(client, tenant, app, settings, host):
    with receiver() as r:
        add_subscription(app, tenant.organization_id, f"http://{host}:{r.port}/hook")
        create_job(tenant)
        drain(app, _production_app_settings(settings))
        assert r.requests == []
        [delivery] = deliveries(app, tenant.organization_id)
        [attempt] = attempts(app, delivery.id)
        assert "SSRF" in attempt.error and attempt.status_code is None
        assert delivery.status == "pending"  # a retry, in case the operator allow-lists it


def test_connect_time_allowlist_lets_a_private_receiver_through(client, tenant, app, settings):
    with receiver() as r:
        add_subscription(app, tenant.organization_id, f"http://localhost:{r.port}/hook")
        create_job(tenant)
        drain(app, _production_app_settings(settings, webhook_allowlist="127.0.0.0/8,::1"))
        assert len(r.requests) == 1
        assert deliveries(app, tenant.organization_id)[0].status == "delivered"


class _Dns:
    """A resolver for one made-up name: its answers in turn (the last one repeats); other
    names go to the system's resolver."""

    def __init__(self, monkeypatch, name: str, *answers: str) -> None:
        self.name, self.answers, self.calls = name, list(answers), 0
        system = socket.getaddrinfo

        def getaddrinfo(host, port, *args, **kwargs):
            if host != self.name:
                return system(host, port, *args, **kwargs)
            address = self.answers[min(self.calls, len(self.answers) - 1)]
            self.calls += 1
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0))]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_name_rebound_to_loopback_after_creation_is_refused_at_connect_time(
    client, tenant, app, settings, monkeypatch
):
    dns = _Dns(monkeypatch, "rebind.example", "93.184.216.34", "127.0.0.1")
    validate_subscription_url("https://rebind.example/hook", _prod())  # public at creation
    with receiver() as r:
        add_subscription(app, tenant.organization_id, f"http://rebind.example:{r.port}/hook")
        create_job(tenant)
        drain(app, _production_app_settings(settings))
        assert r.requests == [] and dns.calls == 2
    [delivery] = deliveries(app, tenant.organization_id)
    [attempt] = attempts(app, delivery.id)
    assert "rebind.example resolves to 127.0.0.1" in attempt.error


def test_the_client_connects_to_the_address_the_guard_checked(
    client, tenant, app, settings, monkeypatch
):
    """Resolved once, to an allow-listed address; a second lookup would answer a private
    one the guard refuses. The delivery arrives, so the connection went to the address that
    was checked, without asking the resolver again."""
    dns = _Dns(monkeypatch, "receiver.example", "127.0.0.1", "10.9.9.9")
    with receiver() as r:
        add_subscription(app, tenant.organization_id, f"http://receiver.example:{r.port}/hook")
        create_job(tenant)
        drain(app, _production_app_settings(settings, webhook_allowlist="127.0.0.0/8"))
        assert len(r.requests) == 1 and dns.calls == 1
    assert deliveries(app, tenant.organization_id)[0].status == "delivered"
