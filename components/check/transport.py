"""Sending one request of a check: `send` is the one seam. It validates header values, gives the
transport one deadline for the whole exchange (and enforces it) and turns any exception into a
failed attempt. Transports: `http_transport` (http.client, the socket shut at the deadline) and
`proxy_transport` (the Kubernetes API server's service proxy); `transport_for` picks by URL."""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from components.check import service_proxy
from components.check.answer import MAX_BODY_BYTES
from components.check.spec import CheckSpec, header_value_problem
from components.shared.durations import shown_seconds
from components.shared.kubeconfig import ClusterAccess

USER_AGENT = "openfaas-stack-invoke-check"


@dataclass(frozen=True)
class HttpRequest:
    """One request to send: everything a transport needs, headers (secrets included) resolved."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    body: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Answer:
    """One HTTP exchange: a status, headers and body, or `error` when there was no HTTP answer.

    `error` is a short phrase chosen by the transport ("connection refused"), never the text of
    an exception, which may quote a header value.
    """

    status: int | None
    body: str
    error: str = ""
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)


Transport = Callable[[HttpRequest, float], Answer]
"""`transport(request, deadline)`: send one request, return the answer by `deadline` (a
`time.monotonic()` instant), or `Answer(None, "", CUT_OFF)` when the deadline came first. It may
raise; `send` turns any exception into a failed attempt."""


CUT_OFF = "cut off at the deadline"


def send(request: HttpRequest, timeout: float, transport: Transport | None = None) -> Answer:
    """Send `request` through `transport` (default: `http_transport`) within `timeout` seconds.

    The seam for other transports. Around the transport: header values are validated first
    (a bad one is an `error` answer naming the header, and nothing is sent); the whole exchange
    (connect, status line, headers, body) has one deadline, enforced even if the transport
    ignores it; and any exception becomes an `error` answer that names only its kind.
    """
    for name, value in request.headers.items():
        problem = header_value_problem(value)
        if problem:
            return Answer(None, "", f"not sent: header {name} {problem}")
    deadline = time.monotonic() + timeout
    chosen = transport or http_transport
    answers: list[Answer] = []

    def work() -> None:
        try:
            answers.append(chosen(request, deadline))
        except BaseException as error:  # a failed attempt, whatever went wrong
            answers.append(Answer(None, "", _failure(error)))

    worker = threading.Thread(target=work, name="invoke-check-send", daemon=True)
    worker.start()
    # A little longer than the deadline, so the transport can report its own cut-off.
    worker.join(timeout + 0.5)
    if not answers or answers[0].error == CUT_OFF:
        return Answer(None, "", f"no complete answer within {shown_seconds(timeout)}s")
    return answers[0]


def http_transport(request: HttpRequest, deadline: float) -> Answer:
    """Send `request` with `http.client`; the socket is shut at `deadline`, whatever it is doing.

    Redirects are answers (the secret headers are never replayed elsewhere); the body is read up
    to 1 MiB.
    """
    parts = urllib.parse.urlsplit(request.url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return Answer(None, "", "no time left for an attempt")
    connection: http.client.HTTPConnection
    if https:
        connection = http.client.HTTPSConnection(parts.hostname or "", port, timeout=remaining)
    else:
        connection = http.client.HTTPConnection(parts.hostname or "", port, timeout=remaining)
    target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    cut_off = threading.Event()

    def cut() -> None:
        cut_off.set()
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(remaining, cut)
    watchdog.daemon = True
    watchdog.start()
    headers = {"User-Agent": USER_AGENT, "Connection": "close", **request.headers}
    try:
        connection.request(request.method, target, body=request.body, headers=headers)
        response = connection.getresponse()
        data = response.read(MAX_BODY_BYTES)
        if response.length and len(data) < MAX_BODY_BYTES:
            # read(amt) returns what came when the server closed early; that is no answer.
            raise http.client.IncompleteRead(data, response.length)
        if cut_off.is_set():
            return Answer(None, "", CUT_OFF)
        return Answer(response.status, _decode(data), headers=dict(response.getheaders()))
    except Exception as error:
        if cut_off.is_set() or isinstance(error, TimeoutError):
            return Answer(None, "", CUT_OFF)
        return Answer(None, "", _failure(error))
    finally:
        watchdog.cancel()
        connection.close()


def proxy_transport(cluster: ClusterAccess) -> Transport:
    """The transport for `kubernetes-api://` URLs: the API server's service proxy, with the
    kubeconfig and context of `cluster` (`service_proxy.send`), read once for every attempt."""
    clients = service_proxy.ProxyClients(cluster)

    def through_the_api_server(request: HttpRequest, deadline: float) -> Answer:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Answer(None, "", CUT_OFF)
        try:
            proxied = service_proxy.send(
                clients, request.method, request.url, request.body or b"", dict(request.headers), remaining
            )
        except service_proxy.ProxyError as error:
            return Answer(None, "", str(error))  # its messages never quote the kubeconfig
        return Answer(proxied.status, _decode(proxied.body), headers=proxied.headers)

    return through_the_api_server


def transport_for(spec: CheckSpec) -> Transport:
    """The transport a spec's URL needs: the service proxy for `kubernetes-api://`, else HTTP."""
    return proxy_transport(spec.cluster) if service_proxy.is_proxy_url(spec.url) else http_transport


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _failure(error: BaseException) -> str:
    """A short, fixed description of why there was no answer (never the exception's text)."""
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, http.client.RemoteDisconnected):  # a ConnectionResetError too
        return "the server closed the connection without answering"
    if isinstance(error, ConnectionResetError):
        return "connection reset"
    if isinstance(error, TimeoutError):
        return CUT_OFF
    if isinstance(error, socket.gaierror):
        return "host not found"
    if isinstance(error, ssl.SSLCertVerificationError):
        return "the TLS certificate could not be verified"
    if isinstance(error, ssl.SSLError):
        return "TLS handshake failed"
    if isinstance(error, http.client.LineTooLong):
        return "the answer has a status or header line that is too long"
    if isinstance(error, http.client.HTTPException) and "headers" in str(error):
        return "the answer has too many headers (more than 100)"
    if isinstance(error, http.client.BadStatusLine):
        return "the answer does not start with an HTTP status line"
    if isinstance(error, http.client.IncompleteRead):
        return "the answer ended before its body was complete"
    if isinstance(error, http.client.HTTPException):
        return f"the answer is not valid HTTP ({type(error).__name__})"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return f"the request failed ({type(error).__name__})"
