"""Outgoing mail over SMTP, configured by one URL.

``smtp://host[:25]`` (plain), ``smtp+starttls://user:pass@host[:587]`` (upgrade to TLS
before authenticating), ``smtps://user:pass@host[:465]`` (TLS from the first byte).
Query options: ``timeout`` (seconds, default 30) and ``ca_file`` (a CA bundle to trust
instead of the system store, for a private relay). Certificates are always verified:
credentials never cross an unverified connection.

The password is kept out of every string this module produces: ``repr`` of the config,
parse errors and send errors.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class SmtpConfigError(ValueError):
    """RECRUITIQ_SMTP_URL cannot be used (the message never contains the password)."""


class SendFailed(Exception):
    """One attempt failed; the text is safe to store and show (no password)."""


@dataclass(frozen=True)
class SmtpConfig:
    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ca_file: str | None = None

    @property
    def uses_tls(self) -> bool:
        return self.scheme != "smtp"

    def redact(self, text: str) -> str:
        if self.password:
            text = text.replace(self.password, "***")
        return text


def parse_smtp_url(url: str) -> SmtpConfig:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise SmtpConfigError("RECRUITIQ_SMTP_URL is not a valid URL") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise SmtpConfigError(
            "RECRUITIQ_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://"
        )
    if not parts.hostname:
        raise SmtpConfigError("RECRUITIQ_SMTP_URL has no host")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    if username and scheme == "smtp":
        # AUTH over a plain connection would send the password in the clear.
        raise SmtpConfigError(
            "RECRUITIQ_SMTP_URL has credentials but no TLS: use smtp+starttls:// or smtps://"
        )
    options = parse_qs(parts.query)
    try:
        timeout = float(options.get("timeout", ["30"])[0])
    except ValueError as exc:
        raise SmtpConfigError("RECRUITIQ_SMTP_URL timeout must be a number") from exc
    return SmtpConfig(
        scheme=scheme,
        host=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        username=username,
        password=password,
        timeout=timeout,
        ca_file=options.get("ca_file", [None])[0],
    )


@dataclass(frozen=True)
class OutgoingMail:
    message_id: str
    mail_from: str
    to_address: str
    subject: str
    text_body: str
    html_body: str | None


def message_id_header(message_id: str, mail_from: str) -> str:
    """The same Message-ID on every attempt, so a receiver can drop a duplicate."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "recruitiq.local"
    return f"<{message_id}@{domain}>"


def build_email(mail: OutgoingMail) -> EmailMessage:
    email = EmailMessage()
    name, address = parseaddr(mail.mail_from)
    email["From"] = formataddr((name, address))
    email["To"] = mail.to_address
    email["Subject"] = mail.subject
    email["Message-ID"] = message_id_header(mail.message_id, mail.mail_from)
    email["X-RecruitIQ-Message-Id"] = mail.message_id
    email.set_content(mail.text_body)
    if mail.html_body:
        email.add_alternative(mail.html_body, subtype="html")
    return email


def _tls_context(config: SmtpConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=config.ca_file)


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    if config.scheme == "smtps":
        return smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout, context=_tls_context(config)
        )
    client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    if config.scheme == "smtp+starttls":
        client.starttls(context=_tls_context(config))
    return client


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [f"{code} {reply.decode(errors='replace')}" for code, reply in
                 exc.recipients.values()]
        return f"recipient refused: {'; '.join(codes)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        return f"SMTP {exc.smtp_code}: {text}"
    return f"{type(exc).__name__}: {exc}"


def send(config: SmtpConfig, mail: OutgoingMail) -> str:
    """Send one message (blocking; run it in a thread). Returns the Message-ID header."""
    email = build_email(mail)
    try:
        with _connect(config) as client:
            if config.username:
                client.login(config.username, config.password or "")
            client.send_message(email, from_addr=parseaddr(mail.mail_from)[1],
                                to_addrs=[mail.to_address])
    except (smtplib.SMTPException, OSError) as exc:
        raise SendFailed(config.redact(_describe(exc))) from None
    return str(email["Message-ID"])
