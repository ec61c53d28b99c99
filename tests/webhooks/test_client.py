"""The keep-alive webhook client against real loopback servers, on asyncio and on uvloop.

Each server is a raw TCP listener whose per-connection behaviour a test scripts; it counts
the connections it accepted and records every request's raw bytes.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import ssl
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, suppress
from http import HTTPStatus
from typing import Any

import pytest
import trustme
import uvloop

from recruitiq.webhooks.client import (
    ClosedBeforeResponse,
    ProtocolError,
    WebhookClient,
    parse_target,
)
from recruitiq.webhooks.ssrf import Allowlist, SsrfRefused

# -- the scripted loopback server


class Conn:
    """One accepted connection, as seen by a test's handler."""

    def __init__(self, server: Server, sock: socket.socket, index: int) -> None:
        self.server, self.sock, self.index = server, sock, index
        self.buffer = b""

    def read_request(self) -> bytes | None:
        """The next whole request (head and Content-Length body), recorded; None at EOF."""
        while True:
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if sep:
                match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                length = int(match[1]) if match else 0
                if len(rest) >= length:
                    request, self.buffer = head + sep + rest[:length], rest[length:]
                    self.server.requests.append(request)
                    return request
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def until_closed(self) -> None:
        """Read (and record) until the client closes the connection."""
        while self.read_request() is not None:
            pass


Handler = Callable[[Conn], None]


class Server:
    def __init__(self, handler: Handler, tls: ssl.SSLContext | None = None) -> None:
        self.handler, self.tls = handler, tls
        self.accepted = 0
        self.requests: list[bytes] = []
        self.sockets: list[socket.socket] = []
        self.threads: list[threading.Thread] = []
        self.stopping = False
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}{path}"

    def _accept(self) -> None:
        while True:
            sock, _ = self.listener.accept()
            if self.stopping:
                sock.close()
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # split writes stay prompt
            self.sockets.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock, self.accepted), daemon=True)
            self.accepted += 1
            self.threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket, index: int) -> None:
        try:
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_side=True)
                self.sockets.append(sock)
            self.handler(Conn(self, sock, index))
        except OSError:
            pass  # the client went away (or refused our certificate): nothing to serve
        finally:
            sock.close()

    def stop(self) -> None:
        self.stopping = True
        socket.create_connection(("127.0.0.1", self.port)).close()  # wakes accept()
        self.thread.join()
        self.listener.close()
        for sock in self.sockets:  # wakes handlers still blocked in recv()
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self.threads:
            thread.join(5)


def reply(status: int = 200, body: bytes = b"ok", headers: tuple[str, ...] = ()) -> bytes:
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", f"Content-Length: {len(body)}"]
    return ("\r\n".join([*lines, *headers]) + "\r\n\r\n").encode() + body


def chunked(*chunks: bytes) -> bytes:
    framed = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks)
    return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + framed + b"0\r\n\r\n"


def body_of(request: bytes) -> bytes:
    return request.partition(b"\r\n\r\n")[2]


def echo(conn: Conn) -> None:
    """A plain keep-alive receiver answering 200 with the request's body."""
    while (request := conn.read_request()) is not None:
        conn.send(reply(body=body_of(request)))


def then_echo(first: Handler) -> Handler:
    """``first`` on the first connection, :func:`echo` on every later one."""
    return lambda conn: first(conn) if conn.index == 0 else echo(conn)


# -- fixtures and helpers


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request: pytest.FixtureRequest) -> Callable[[Coroutine[Any, Any, Any]], Any]:
    return asyncio.run if request.param == "asyncio" else uvloop.run


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(handler: Handler, tls: ssl.SSLContext | None = None) -> Server:
        servers.append(Server(handler, tls))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@asynccontextmanager
async def webhook_client(**options: Any) -> AsyncIterator[WebhookClient]:
    options.setdefault("timeout_seconds", 5.0)
    options.setdefault("guarded", False)
    client = WebhookClient(**options)
    try:
        yield client
    finally:
        await client.close()


async def post(client: WebhookClient, url: str, body: bytes = b"{}") -> tuple[int, bytes]:
    response = await client.post(url, body, {"Content-Type": "application/json"})
    return response.status, response.body


def assert_not_reused(
    run: Callable[[Coroutine[Any, Any, Any]], Any],
    server: Server,
    first: tuple[int, bytes] | type[BaseException],
    **options: Any,
) -> None:
    """The first POST gets ``first`` (an answer, or an exception raised); its connection is
    not reused: the next POST opens a second one and is echoed."""

    async def main() -> int:
        async with webhook_client(**options) as client:
            if isinstance(first, tuple):
                assert await post(client, server.url()) == first
            else:
                with pytest.raises(first):
                    await post(client, server.url())
            assert await post(client, server.url(), b"next") == (200, b"next")
            return client.connections_opened

    assert run(main()) == 2
    assert server.accepted == 2


def assert_reused(
    run: Callable[[Coroutine[Any, Any, Any]], Any], server: Server, answer: tuple[int, bytes]
) -> None:
    """Two POSTs each get ``answer``, over one kept connection."""

    async def main() -> int:
        async with webhook_client() as client:
            for _ in range(2):
                assert await post(client, server.url()) == answer
            return client.connections_opened

    assert run(main()) == 1


def test_each_loop_is_the_one_named(run, request):
    async def loop_module() -> str:
        return type(asyncio.get_running_loop()).__module__

    assert run(loop_module()).startswith("uvloop") == (request.node.callspec.id == "uvloop")


# -- 1. request framing


def test_request_framing_on_the_wire(run, serve):
    server = serve(echo)
    body = json.dumps({"name": "José García"}, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "webhook-id": "msg_1",
               "webhook-signature": "v1,c2lnbmF0dXJl"}

    async def main():
        async with webhook_client() as client:
            return await client.post(server.url("/hooks/in?x=1"), body, headers)

    assert run(main()).body == body
    [request] = server.requests
    head, _, sent = request.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    assert request_line == "POST /hooks/in?x=1 HTTP/1.1"
    assert sorted(header_lines) == sorted([
        f"Host: 127.0.0.1:{server.port}", f"Content-Length: {len(body)}",
        "Content-Type: application/json", "webhook-id: msg_1",
        "webhook-signature: v1,c2lnbmF0dXJl",
    ])
    assert sent == body and b"Jos\xc3\xa9 Garc\xc3\xada" in sent


def test_space_and_non_ascii_in_the_url_are_percent_encoded(run, serve):
    server = serve(echo)

    async def main():
        async with webhook_client() as client:
            return await post(client, server.url("/hooks/café bar?q=José García&x=1"))

    assert run(main()) == (200, b"{}")
    assert server.requests[0].startswith(
        b"POST /hooks/caf%C3%A9%20bar?q=Jos%C3%A9%20Garc%C3%ADa&x=1 HTTP/1.1\r\n"
    )


# -- 2.-4. connection reuse


def test_keep_alive_sequential_then_concurrent(run, serve):
    server = serve(echo)
    url = server.url()

    async def concurrently(client: WebhookClient, first: int) -> None:
        bodies = [b'{"n":%d}' % n for n in range(first, first + 20)]
        results = await asyncio.gather(*(post(client, url, body) for body in bodies))
        assert results == [(200, body) for body in bodies]

    async def main():
        async with webhook_client() as client:
            for n in range(50):
                assert await post(client, url, b'{"n":%d}' % n) == (200, b'{"n":%d}' % n)
            assert client.connections_opened == server.accepted == 1
            await concurrently(client, 100)
            opened = server.accepted
            assert opened <= 20 and client.connections_opened == opened
            await concurrently(client, 200)  # every task finds a pooled connection
            assert server.accepted == client.connections_opened == opened

    run(main())
    assert len(server.requests) == 90


def test_connection_close_responses_get_a_new_connection_each(run, serve):
    def close_after_one(conn: Conn) -> None:
        request = conn.read_request()
        assert request is not None
        conn.send(reply(body=body_of(request), headers=("Connection: close",)))

    server = serve(close_after_one)

    async def main():
        async with webhook_client() as client:
            for n in range(5):
                assert await post(client, server.url(), b"%d" % n) == (200, b"%d" % n)
            return client.connections_opened

    assert run(main()) == 5
    assert server.accepted == 5


def test_receiver_closing_an_idle_kept_connection(run, serve):
    def answer_then_close(conn: Conn) -> None:
        conn.read_request()
        conn.send(reply(body=b"first"))  # keep-alive by default, yet closed at once

    assert_not_reused(run, serve(then_echo(answer_then_close)), (200, b"first"))


# -- 5. the race with the receiver's keep-alive timeout


def test_reused_connection_closed_before_answer_is_retried_once(run, serve):
    def answer_once_then_drop(conn: Conn) -> None:
        conn.read_request()
        conn.send(reply(body=b"first"))
        conn.read_request()  # then close without answering

    server = serve(then_echo(answer_once_then_drop))
    assert_not_reused(run, server, (200, b"first"))
    assert [body_of(r) for r in server.requests] == [b"{}", b"next", b"next"]
    assert server.requests[1] == server.requests[2]


def test_fresh_connection_closed_before_answer_raises(run, serve):
    def drop_unanswered(conn: Conn) -> None:
        conn.read_request()

    server = serve(drop_unanswered)

    async def main():
        async with webhook_client() as client:
            with pytest.raises(ClosedBeforeResponse) as error:
                await post(client, server.url())
            return client.connections_opened, error.value

    opened, error = run(main())
    assert isinstance(error, OSError)
    assert opened == server.accepted == 1
    assert len(server.requests) == 1


# -- 6.-9. response framing


def test_chunked_body_and_keep_alive_after_it(run, serve):
    def chunks(conn: Conn) -> None:
        while conn.read_request() is not None:
            conn.send(chunked(b"hello", b" ", b"world"))

    assert_reused(run, serve(chunks), (200, b"hello world"))


def test_long_chunked_body_is_cut_at_1024_bytes(run, serve):
    parts = [bytes([65 + n]) * 1000 for n in range(3)]

    def long_chunks(conn: Conn) -> None:
        while conn.read_request() is not None:
            conn.send(chunked(*parts))

    server = serve(long_chunks)

    async def main():
        async with webhook_client() as client:
            return await post(client, server.url())

    assert run(main()) == (200, b"".join(parts)[:1024])


def test_body_delimited_by_connection_close(run, serve):
    def close_delimited(conn: Conn) -> None:
        conn.read_request()
        conn.send(b"HTTP/1.1 202 Accepted\r\nContent-Type: text/plain\r\n\r\nuntil the end")

    assert_not_reused(run, serve(then_echo(close_delimited)), (202, b"until the end"))


def test_huge_response_returns_without_reading_it_all(run, serve):
    sent = bytes(n % 251 for n in range(200_000))

    def huge_then_stall(conn: Conn) -> None:
        conn.read_request()
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n" + sent)
        conn.until_closed()  # the remaining ~9.8 MB never come

    assert_not_reused(run, serve(then_echo(huge_then_stall)), (200, sent[:1024]),
                      timeout_seconds=5.0)


def test_interim_100_continue_then_final_answer(run, serve):
    def continue_first(conn: Conn) -> None:
        while conn.read_request() is not None:
            conn.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            conn.send(reply(201, b"final"))

    assert_reused(run, serve(continue_first), (201, b"final"))


# -- 10.-13. failures and Retry-After


def test_timeout_and_the_timed_out_connection_is_not_reused(run, serve):
    def never_answer(conn: Conn) -> None:
        conn.until_closed()

    assert_not_reused(run, serve(then_echo(never_answer)), TimeoutError, timeout_seconds=0.3)


def test_connection_refused_is_an_os_error(run):
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]

    async def main():
        async with webhook_client() as client:
            await post(client, f"http://127.0.0.1:{port}/hook")

    with pytest.raises(OSError):
        run(main())


def test_garbage_response_is_a_protocol_error(run, serve):
    def garbage(conn: Conn) -> None:
        conn.read_request()
        conn.send(b"NOT HTTP\r\n\r\n")
        conn.until_closed()

    server = serve(garbage)

    async def main():
        async with webhook_client() as client:
            await post(client, server.url())

    with pytest.raises(ProtocolError):
        run(main())


def test_retry_after_in_any_case(run, serve):
    answers = iter([
        reply(503, headers=("Retry-After: 120",)),
        reply(429, headers=("rETRY-aFTER: Wed, 21 Oct 2015 07:28:00 GMT",)),
        reply(200),
    ])

    def scripted(conn: Conn) -> None:
        while conn.read_request() is not None:
            conn.send(next(answers))

    server = serve(scripted)

    async def main():
        async with webhook_client() as client:
            return [await client.post(server.url(), b"{}", {}) for _ in range(3)]

    responses = run(main())
    assert [(r.status, r.retry_after) for r in responses] == [
        (503, "120"), (429, "Wed, 21 Oct 2015 07:28:00 GMT"), (200, None),
    ]


# -- 14. HTTPS


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(ca, serve) -> Server:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    return serve(echo, tls=context)


def test_https_with_a_trusted_ca_keeps_the_connection_alive(run, ca, tls_server):
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)

    async def main():
        async with webhook_client(ssl_context=trusting) as client:
            for n in range(5):
                assert await post(client, tls_server.url(), b"%d" % n) == (200, b"%d" % n)
            by_name = tls_server.url(host="localhost")
            assert await post(client, by_name, b"named") == (200, b"named")
            return client

    client = run(main())
    assert client.ssl_context is trusting
    assert client.connections_opened == tls_server.accepted == 2


def test_https_with_the_default_context_refuses_an_unknown_ca(run, tls_server):
    async def main():
        async with webhook_client() as client:
            await post(client, tls_server.url())

    with pytest.raises(ssl.SSLCertVerificationError) as error:
        run(main())
    assert isinstance(error.value, OSError)
    assert tls_server.requests == []


# -- 15. guarded mode


def test_guarded_mode_refuses_loopback_without_connecting(run, serve):
    server = serve(echo)

    async def main():
        async with webhook_client(guarded=True) as client:
            for host in ("127.0.0.1", "localhost"):
                with pytest.raises(SsrfRefused):
                    await post(client, server.url(host=host))
            assert client.connections_opened == 0
        async with webhook_client() as probe:
            assert await post(probe, server.url(), b"probe") == (200, b"probe")

    run(main())
    # The probe's connection is the first and only one the server ever accepted.
    assert server.accepted == 1
    assert [body_of(r) for r in server.requests] == [b"probe"]


def test_guarded_mode_with_an_allowlist_connects(run, serve):
    server = serve(echo)

    async def main():
        async with webhook_client(guarded=True, allowlist=Allowlist(["127.0.0.0/8", "::1"])) as c:
            assert await post(c, server.url(), b"by address") == (200, b"by address")
            assert await post(c, server.url(host="localhost"), b"by name") == (200, b"by name")

    run(main())


# -- 16. unsolicited bytes


def test_bytes_after_the_response_discard_the_connection(run, serve):
    def answer_twice(conn: Conn) -> None:
        conn.read_request()
        conn.send(reply(body=b"first") + reply(500, b"unsolicited"))  # in one segment
        conn.until_closed()

    assert_not_reused(run, serve(then_echo(answer_twice)), (200, b"first"))


def test_bytes_on_an_idle_connection_discard_it(run, serve):
    idle, discarded = threading.Event(), threading.Event()

    def unsolicited_when_idle(conn: Conn) -> None:
        conn.read_request()
        conn.send(reply(body=b"first"))
        idle.wait(5)
        conn.send(reply(500, b"unsolicited"))
        conn.until_closed()
        discarded.set()

    server = serve(then_echo(unsolicited_when_idle))

    async def main():
        async with webhook_client() as client:
            assert await post(client, server.url()) == (200, b"first")
            idle.set()
            assert await asyncio.to_thread(discarded.wait, 5)
            assert await post(client, server.url(), b"second") == (200, b"second")
            return client.connections_opened

    assert run(main()) == 2
    assert server.accepted == 2


# -- 17. parse_target


@pytest.mark.parametrize(("url", "origin", "host_header", "request_target"), [
    ("http://example.com/hook", ("http", "example.com", 80), "example.com", "/hook"),
    ("https://example.com/hook", ("https", "example.com", 443), "example.com", "/hook"),
    ("http://example.com:8080/a/b", ("http", "example.com", 8080), "example.com:8080", "/a/b"),
    ("https://Example.COM:443/x", ("https", "example.com", 443), "example.com:443", "/x"),
    ("http://[::1]:8080/x", ("http", "::1", 8080), "[::1]:8080", "/x"),
    ("https://[::1]/x", ("https", "::1", 443), "[::1]", "/x"),
    ("https://bücher.example/hook", ("https", "xn--bcher-kva.example", 443),
     "xn--bcher-kva.example", "/hook"),
    ("https://example.com/in?a=1&b=two#frag", ("https", "example.com", 443), "example.com",
     "/in?a=1&b=two"),
    ("https://example.com", ("https", "example.com", 443), "example.com", "/"),
    ("https://example.com?x=1", ("https", "example.com", 443), "example.com", "/?x=1"),
    ("https://example.com/a%20b/c d", ("https", "example.com", 443), "example.com",
     "/a%20b/c%20d"),
])
def test_parse_target(url, origin, host_header, request_target):
    target = parse_target(url)
    assert (target.origin, target.host_header, target.request_target) == (
        origin, host_header, request_target
    )


@pytest.mark.parametrize("url", ["ftp://example.com/x", "/relative", "http:///no-host"])
def test_parse_target_refuses_non_http_urls(url):
    with pytest.raises(ValueError):
        parse_target(url)
