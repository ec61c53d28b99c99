from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET_KEY = "dev-only-insecure-secret-key-change-me"  # noqa: S105


class UnsafeSettingsError(RuntimeError):
    """Raised at start-up when production mode would run with an unsafe default."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RECRUITIQ_", extra="ignore")

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("./data")
    database_url: str | None = None
    secret_key: str = DEVELOPMENT_SECRET_KEY
    access_token_ttl_seconds: int = 3600
    public_url: str = "http://127.0.0.1:8000"

    smtp_url: str | None = None
    mail_from: str = "RecruitIQ <no-reply@recruitiq.example>"

    webhook_allowlist: str = ""
    webhook_timeout_seconds: float = 10.0
    webhook_max_concurrency_per_org: int = 10
    # A claimed delivery is leased this long; a worker that dies lets it expire and
    # another worker retries. A live worker renews its leases every quarter of this, and
    # starts an attempt only if the lease covers its timeout: at least two timeouts.
    webhook_lease_seconds: float = Field(default=90.0, gt=0)
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    # Deliveries per second to one subscription when it sets no rateLimitPerSecond.
    webhook_default_rate_limit_per_second: int = Field(default=50, ge=1, le=100_000)
    # Consecutive failed attempts before webhook.endpoint_failing (0: never) and before the
    # subscription is disabled (webhook.endpoint_disabled).
    webhook_warn_after_failures: int = Field(default=5, ge=0)
    webhook_disable_after_failures: int = Field(default=10, ge=1)
    retention_days: int = 90
    # How often the worker looks for sent offers past their deadline (offer.expired).
    offer_expiry_interval_seconds: float = Field(default=30.0, gt=0)

    resume_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)

    # Failed password checks (auth/throttle.py, docs/security.md): per (account, address)
    # pair, this many are free, then each blocks the pair twice as long as the last, up
    # to the cap; per account (except from addresses that signed in to it before) and per
    # address, this many in a window block until the window ends.
    login_throttle_window_seconds: int = Field(default=900, gt=0)
    login_pair_free_failures: int = Field(default=5, ge=0)
    login_pair_max_block_seconds: int = Field(default=900, gt=0)
    login_account_max_failures: int = Field(default=50, gt=0)
    login_address_max_failures: int = Field(default=200, gt=0)

    # Requests the API runs at once: its thread pool and its database connections. More
    # wait in line up to api_queue_timeout_seconds (at most api_max_queue of them), then get
    # a 503 with Retry-After: past its capacity the server keeps serving at its capacity.
    # Python runs one thread at a time: past a few, threads only add GIL contention (8
    # served 30% more than 32 under overload, docs/performance.md); a database far away
    # (high round-trip time) may want more.
    api_threads: int = Field(default=8, gt=0, le=1000)
    api_queue_timeout_seconds: float = Field(default=0.5, gt=0)
    api_max_queue: int = Field(default=256, ge=0)
    # API requests per minute per organization, by plan, replacing the plans' own
    # (webhooks/plans.py; ratelimit/): e.g. RECRUITIQ_API_RATE_LIMITS='{"free": 1200}'.
    api_rate_limits: dict[str, Annotated[int, Field(gt=0)]] = Field(default_factory=dict)

    # Request bodies larger than this are refused with a 413 while they stream in (a resume
    # upload has its own cap, resume_max_bytes). The largest body the schemas accept, an
    # e-mail with a full text and HTML part, is about 0.7 MB of ASCII.
    max_body_bytes: int = Field(default=2 * 1024 * 1024, gt=0)

    # GET /metrics: with a token, only `Authorization: Bearer <token>` (or a client in the
    # allowlist); without one, anyone in development, loopback and the allowlist in production.
    metrics_token: str | None = None
    metrics_allowlist: str = ""

    @model_validator(mode="after")
    def _lease_covers_attempts(self) -> Settings:
        if self.webhook_lease_seconds < 2 * self.webhook_timeout_seconds:
            raise ValueError(
                "webhook_lease_seconds must be at least twice webhook_timeout_seconds "
                f"({self.webhook_lease_seconds:g} < 2 x {self.webhook_timeout_seconds:g}): "
                "an attempt starts only while its lease outlasts its timeout"
            )
        return self

    @model_validator(mode="after")
    def _warning_comes_before_disabling(self) -> Settings:
        warn, disable = self.webhook_warn_after_failures, self.webhook_disable_after_failures
        if warn and warn >= disable:
            raise ValueError(
                "webhook_warn_after_failures must be 0 (no warning) or below "
                f"webhook_disable_after_failures ({warn} >= {disable})"
            )
        return self

    @model_validator(mode="after")
    def _metrics_allowlist_parses(self) -> Settings:
        for entry in self.metrics_allowlist_entries:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError as exc:
                message = f"metrics_allowlist: {entry!r} is not an IP address or CIDR"
                raise ValueError(message) from exc
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        weak_secret = self.secret_key == DEVELOPMENT_SECRET_KEY or len(self.secret_key) < 32
        if self.env == "production" and weak_secret:
            raise UnsafeSettingsError(
                    "RECRUITIQ_SECRET_KEY must be set to a random value of at least 32 "
                    "characters in production"
                )
        return self

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'recruitiq.db').resolve()}"

    @property
    def metrics_allowlist_entries(self) -> list[str]:
        return [part.strip() for part in self.metrics_allowlist.split(",") if part.strip()]

    @property
    def webhook_allowlist_entries(self) -> list[str]:
        return [part.strip() for part in self.webhook_allowlist.split(",") if part.strip()]


@lru_cache
def get_settings() -> Settings:
    return Settings()
