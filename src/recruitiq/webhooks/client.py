"""The dispatcher's HTTP client: keep-alive HTTP/1.1 POSTs on asyncio transports.

Why not aiohttp (docs/adr/0003-webhook-http-client.md): the dispatcher is CPU bound, and
aiohttp's request path cost ~150 µs of CPU per POST here against ~40 µs for this client,
which does only what a webhook attempt needs. The response is parsed by ``httptools``
(llhttp, the parser behind uvicorn); this module only pools connections and frames
requests.

What it does, and on purpose does not:
* one request at a time per connection, idle connections kept per origin and reused newest
  first; a connection that answered ``Connection: close``, broke, timed out or was idle
  longer than :data:`IDLE_SECONDS` is never reused;
* a reused connection that the receiver closed before answering is retried once on a new
  connection (the race between sending and the receiver's keep-alive timeout);
* no redirects, proxies, cookies or compression; the first :data:`RESPONSE_BODY_LIMIT`
  bytes of the body are kept, and a body larger than :data:`DRAIN_LIMIT` is not read to
  its end (the connection is closed instead);
* in guarded mode every connection goes to an address the SSRF guard checked
  (:func:`~recruitiq.webhooks.ssrf.checked_addresses`), so DNS rebinding cannot pass.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from functools import lru_cache
from typing import cast
from urllib.parse import quote, urlsplit

import httptools

from recruitiq.webhooks.ssrf import Allowlist, checked_addresses

RESPONSE_BODY_LIMIT = 1024
DRAIN_LIMIT = 64 * 1024
# Below the 5 s keep-alive timeout of Node.js servers, the shortest common default.
IDLE_SECONDS = 4.0
MAX_IDLE_PER_ORIGIN = 128


class ProtocolError(Exception):
    """The receiver's answer was not valid HTTP/1.1."""


class ClosedBeforeResponse(ConnectionResetError):
    """The receiver closed the connection before any byte of a response."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes  # at most RESPONSE_BODY_LIMIT bytes
    retry_after: str | None


@dataclass(frozen=True)
class Target:
    origin: tuple[str, str, int]  # scheme, host (ASCII), port: the pool key
    host_header: str
    request_target: str


@lru_cache(maxsize=4096)
def parse_target(url: str) -> Target:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an absolute http(s) URL")
    host = parts.hostname.encode("idna").decode("ascii")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if parts.port is None else f"{shown}:{port}"
    path = quote(parts.path or "/", safe="/%!$&'()*+,;=:@-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/?%!$&'()*+,;=:@-._~")
    return Target((parts.scheme, host, port), host_header, path)


@lru_cache(maxsize=1)
def _system_trust() -> ssl.SSLContext:
    # Loading the system's CA store takes milliseconds; "send test event" makes a client
    # per call.
    return ssl.create_default_context()


class _Connection(asyncio.Protocol):
    """One keep-alive connection; :meth:`send` one request, await its response."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[Response] | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.closed = False
        self.reusable = False
        self.idle_since = 0.0
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.body = bytearray()
        self.received = 0
        self.retry_after: str | None = None
        self.headers_done = False
        self.got_bytes = False

    # -- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self.waiter is None or self.waiter.done():
            self.close()  # bytes nobody asked for: this connection cannot be trusted again
            return
        self.got_bytes = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ProtocolError(f"invalid HTTP response: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.headers_done:
            # The receiver answered: a body delimited by the end of the connection, or cut
            # short, still leaves the status, which is what the attempt records.
            self._finish(keep_alive=False)
        elif not self.got_bytes:
            self._fail(ClosedBeforeResponse("connection closed by the receiver before a response"))
        else:
            self._fail(ProtocolError("connection closed in the middle of the response headers"))

    # -- httptools callbacks

    def on_message_begin(self) -> None:
        if self.waiter is None or self.waiter.done():
            self.close()  # a second response in the same read as the first: not trusted either

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"retry-after":
            self.retry_after = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.headers_done = self.status >= 200 or self.status == 101  # not 1xx interim

    def on_body(self, chunk: bytes) -> None:
        room = RESPONSE_BODY_LIMIT - len(self.body)
        if room > 0:
            self.body += chunk[:room]
        self.received += len(chunk)
        if self.received > DRAIN_LIMIT:
            self._finish(keep_alive=False)
            self.close()

    def on_message_complete(self) -> None:
        if 100 <= self.status < 200 and self.status != 101:
            self._reset()  # an interim answer (100 Continue): the real one follows
            self.got_bytes = True
            return
        self._finish(keep_alive=self.parser.should_keep_alive())

    # -- used by the client

    def send(self, data: bytes, deadline: float) -> asyncio.Future[Response]:
        """Write one request; the future fails with TimeoutError at ``deadline`` (loop time).
        A timer per request costs a fraction of ``asyncio.timeout``'s bookkeeping."""
        assert self.transport is not None
        self._reset()
        loop = asyncio.get_running_loop()
        self.waiter = loop.create_future()
        self.timer = loop.call_at(deadline, self._timed_out)
        self.transport.write(data)
        return self.waiter

    def close(self) -> None:
        self.closed = True
        self.reusable = False
        self._stop_timer()
        if self.transport is not None:
            self.transport.close()

    def _timed_out(self) -> None:
        self._fail(TimeoutError())
        self.close()

    def _stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _finish(self, *, keep_alive: bool) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            self._stop_timer()
            self.reusable = keep_alive and not self.closed
            waiter.set_result(Response(self.status, bytes(self.body), self.retry_after))

    def _fail(self, exc: Exception) -> None:
        self._stop_timer()
        self.reusable = False
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)


class WebhookClient:
    """A pool of keep-alive connections per origin, shared by every attempt of a process."""

    def __init__(
        self,
        *,
        timeout_seconds: float,
        guarded: bool,
        allowlist: Allowlist | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self.guarded = guarded
        self.allowlist = allowlist or Allowlist([])
        self.ssl_context = ssl_context or _system_trust()
        self._idle: dict[tuple[str, str, int], deque[_Connection]] = defaultdict(deque)
        self.connections_opened = 0

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Response:
        """POST ``body``; raises TimeoutError, OSError (incl. SsrfRefused) or ProtocolError."""
        target = parse_target(url)
        lines = [f"POST {target.request_target} HTTP/1.1\r\nHost: {target.host_header}\r\n"
                 f"Content-Length: {len(body)}\r\n"]
        lines.extend(f"{name}: {value}\r\n" for name, value in headers.items())
        lines.append("\r\n")
        request = "".join(lines).encode("latin-1") + body
        deadline = asyncio.get_running_loop().time() + self.timeout_seconds
        connection = self._take_idle(target.origin)
        if connection is not None:
            try:
                return await self._exchange(connection, target, request, deadline)
            except ClosedBeforeResponse:
                pass  # the receiver's keep-alive timeout raced us: once more, fresh
        async with asyncio.timeout_at(deadline):
            connection = await self._connect(target)
        return await self._exchange(connection, target, request, deadline)

    async def close(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()
        await asyncio.sleep(0)  # let transports run their close callbacks

    async def _exchange(
        self, connection: _Connection, target: Target, request: bytes, deadline: float
    ) -> Response:
        try:
            response = await connection.send(request, deadline)
        except BaseException:
            connection.close()
            raise
        if connection.reusable:
            self._give_back(target.origin, connection)
        else:
            connection.close()
        return response

    def _take_idle(self, origin: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if not connection.closed and now - connection.idle_since < IDLE_SECONDS:
                return connection
            connection.close()
        return None

    def _give_back(self, origin: tuple[str, str, int], connection: _Connection) -> None:
        idle = self._idle[origin]
        if len(idle) >= MAX_IDLE_PER_ORIGIN:
            connection.close()
            return
        connection.waiter = None
        connection.idle_since = time.monotonic()
        idle.append(connection)

    async def _connect(self, target: Target) -> _Connection:
        loop = asyncio.get_running_loop()
        scheme, host, port = target.origin
        tls = self.ssl_context if scheme == "https" else None
        hostname = host if tls is not None else None
        # Guarded: connect only to addresses the guard checked, trying each in turn.
        addresses = await checked_addresses(host, port, self.allowlist) if self.guarded else [host]
        failure: OSError | None = None
        for address in addresses:
            try:
                _, connection = await loop.create_connection(
                    _Connection, address, port, ssl=tls, server_hostname=hostname
                )
            except OSError as exc:
                failure = exc
                continue
            self.connections_opened += 1
            return connection
        raise failure or OSError(f"{host} has no address")
