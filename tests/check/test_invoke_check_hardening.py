"""The invoke check against hostile or broken servers on 127.0.0.1: no leak, no hang, no traceback.

A raw TCP server plays each server: it reads one request and sends a script of byte strings,
with pauses (floats) between them. Every test searches what the check produced (the exception,
the log lines, the result) for the secret in every encoding of `tests/support/secret_search.py`.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from components.check import resource, service_proxy
from components.check.parse import parse_checks
from components.check.probe import CheckFailed, run_check
from components.check.props import spec_to_props
from components.check.resource import InvokeCheckProvider
from components.check.spec import CREDENTIALS, CheckSpec
from components.check.transport import Answer, HttpRequest, send
from components.shared import kubeconfig
from tests.support.mocks import RecordingMocks, run_program
from tests.support.secret_search import leaks

SECRET = "R^YqzKzSJw51K9zPpQ3R3N"
PASSWORD = "Gw-pass-0f9a8b7c"
Script = Sequence[bytes | float]


def ok(body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def status(code: int, body: bytes) -> bytes:
    return b"HTTP/1.1 %d Nope\r\nContent-Length: %d\r\n\r\n%s" % (code, len(body), body)


@dataclass
class RawServer:
    """A TCP server on 127.0.0.1 answering each connection with `script(request)`."""

    script: Callable[[bytes], Script] = lambda _request: [ok(b"hello")]
    requests: list[bytes] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve(self, listener: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            if stop.is_set():
                conn.close()
                return
            threading.Thread(target=self._answer, args=(conn, stop), daemon=True).start()

    def _answer(self, conn: socket.socket, stop: threading.Event) -> None:
        with conn:
            conn.settimeout(5)
            try:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                while len(body) < length:
                    body += conn.recv(65536)
                self.requests.append(data)
                for step in self.script(data):
                    if stop.is_set():
                        return
                    if isinstance(step, float):
                        time.sleep(step)
                    else:
                        conn.sendall(step)
                conn.shutdown(socket.SHUT_WR)  # a clean close (FIN), not a reset
                conn.recv(65536)
            except OSError:
                return


@pytest.fixture
def server() -> Iterator[RawServer]:
    raw = RawServer()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    raw.port = listener.getsockname()[1]
    stop = threading.Event()
    thread = threading.Thread(target=raw.serve, args=(listener, stop), daemon=True)
    thread.start()
    try:
        yield raw
    finally:
        stop.set()
        # Wakes the accept (close alone does not): a thread left in accept() on a closed
        # listener can take the connections of the next socket given the same descriptor.
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        thread.join(10)
        listener.close()
        assert not thread.is_alive(), "the server's accept loop did not stop"


class FakeTime:
    """A clock that moves only when `sleep` is called (the transport still uses real time)."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Outcome:
    error: str | None
    logs: list[tuple[str, str]]
    result: object
    seconds: float

    def everything(self) -> str:
        return "\n".join([self.error or "", repr(self.logs), repr(self.result)])


def probe(spec: CheckSpec, secrets: dict[str, str] | None = None, *, real_time: bool = False) -> Outcome:
    logs: list[tuple[str, str]] = []
    fake = FakeTime()
    timing: dict[str, Any] = {} if real_time else {"sleep": fake.sleep, "clock": fake.clock}
    started = time.monotonic()
    try:
        result: object = run_check(
            spec,
            {"secret-api-key": SECRET} if secrets is None else secrets,
            log=lambda level, message: logs.append((level, message)),
            **timing,
        )
        error = None
    except CheckFailed as failed:
        result, error = None, str(failed)
    return Outcome(error, logs, result, time.monotonic() - started)


def keyed(gateway: str, **changes: Any) -> CheckSpec:
    base: dict[str, Any] = dict(
        function="protectedapi",
        url=f"{gateway}/function/protectedapi",
        secret_headers={"X-Api-Key": "secret-api-key"},
        expect_status=200,
        expect_body="Unlocked",
        timeout_seconds=1,
    )
    base.update(changes)
    return CheckSpec(**base)


def header_of(request: bytes, name: bytes) -> bytes:
    for line in request.split(b"\r\n"):
        if line.lower().startswith(name.lower() + b":"):
            return line.split(b":", 1)[1].strip()
    return b""


# ---------------------------------------------------------------- leaks


ENCODINGS: dict[str, Callable[[bytes], bytes]] = {
    "raw": lambda key: b"bad key " + key,
    "JSON-escaped": lambda key: json.dumps({"error": "bad key", "key": key.decode()}).encode(),
    "URL-encoded": lambda key: b"key=" + urllib.parse.quote(key.decode(), safe="").encode(),
    "URL-encoded in lower case": lambda key: (
        b"key=" + urllib.parse.quote(key.decode(), safe="").lower().encode()
    ),
    "base64": lambda key: base64.b64encode(key),
    "base64url": lambda key: base64.urlsafe_b64encode(key),
    "base64 inside a longer text": lambda key: base64.b64encode(b"x-api-key=" + key + b";"),
    "base64url inside a longer text, off by one": lambda key: base64.urlsafe_b64encode(b"k=" + key),
    "hex": lambda key: key.hex().encode(),
    "hex in upper case": lambda key: key.hex().upper().encode(),
    "URL-encoded twice": lambda key: urllib.parse.quote(urllib.parse.quote(key, safe=""), safe="").encode(),
    "hex with colons": lambda key: key.hex(":").encode(),
    "hex with spaces": lambda key: key.hex(" ").encode(),
    "hex as \\x escapes": lambda key: "".join(f"\\x{byte:02x}" for byte in key).encode(),
    "base32": lambda key: base64.b32encode(key),
    "base32 inside a longer text": lambda key: base64.b32encode(b"key=" + key),
}
# Quotes, brackets and `&`: the characters HTML and repr escape.
QUOTED = "R&Yq<zK>zSJw51'K9\"zPpQ"
QUOTED_ECHOES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "HTML-escaped": (
        lambda key: b"<p>bad key " + html.escape(key.decode()).encode() + b"</p>",
        "<p>bad key [secret]</p>",
    ),
    "HTML-escaped, quotes kept": (
        lambda key: b"<p>bad key " + html.escape(key.decode(), quote=False).encode() + b"</p>",
        "<p>bad key [secret]</p>",
    ),
    "HTML decimal entities": (
        lambda key: b"bad key " + "".join(f"&#{ord(char)};" for char in key.decode()).encode(),
        "bad key [secret]",
    ),
    "HTML hex entities": (
        lambda key: b"bad key " + "".join(f"&#x{ord(char):x};" for char in key.decode()).encode(),
        "bad key [secret]",
    ),
    "URL-encoded twice": (
        lambda key: b"k=" + urllib.parse.quote(urllib.parse.quote(key, safe=""), safe="").encode(),
        "k=[secret]",
    ),
    "Python repr of bytes": (lambda key: repr(key).encode(), "b'[secret]'"),
    "Python repr of text": (lambda key: repr({"key": key.decode()}).encode(), "{'key': '[secret]'}"),
}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_a_secret_echoed_in_any_common_encoding_is_redacted(server: RawServer, encoding: str) -> None:
    server.script = lambda request: [status(403, ENCODINGS[encoding](header_of(request, b"X-Api-Key")))]
    outcome = probe(keyed(server.url))
    assert outcome.error is not None and "[secret]" in outcome.error
    assert leaks(outcome.everything(), [SECRET]) == []


@pytest.mark.parametrize("echo", sorted(QUOTED_ECHOES))
def test_a_secret_echoed_html_escaped_url_encoded_twice_or_in_a_repr_is_redacted(
    server: RawServer, echo: str
) -> None:
    encode, shown = QUOTED_ECHOES[echo]
    server.script = lambda request: [status(401, encode(header_of(request, b"X-Api-Key")))]
    outcome = probe(keyed(server.url), {"secret-api-key": QUOTED})
    assert (outcome.error or "").endswith(f"got HTTP 401 with body {shown!r}")
    assert leaks(outcome.everything(), [QUOTED]) == []


# http.client sends a header in Latin-1: `ö` goes out as the byte F6, not as UTF-8's C3 B6.
LATIN = "Passwörd-Secret-9x"
LATIN_ECHOES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "as it came": (lambda key: b"bad key " + key, "bad key [secret]"),
    "base64": (lambda key: b"bad key " + base64.b64encode(key), "bad key [secret]"),
    # the characters on either side also depend on "k=" and the padding
    "base64url inside a longer text": (
        lambda key: b"bad key " + base64.urlsafe_b64encode(b"k=" + key),
        "bad key az1[secret]g=",
    ),
    "hex": (lambda key: b"bad key " + key.hex().encode(), "bad key [secret]"),
}


@pytest.mark.parametrize("echo", sorted(LATIN_ECHOES))
def test_a_secret_echoed_as_the_latin_1_bytes_it_was_sent_as_is_redacted(
    server: RawServer, echo: str
) -> None:
    encode, shown = LATIN_ECHOES[echo]
    server.script = lambda request: [status(401, encode(header_of(request, b"X-Api-Key")))]
    outcome = probe(keyed(server.url), {"secret-api-key": LATIN})
    assert header_of(server.requests[0], b"X-Api-Key") == LATIN.encode("latin-1")
    assert (outcome.error or "").endswith(f"got HTTP 401 with body {shown!r}")
    assert leaks(outcome.everything(), [LATIN]) == []


def test_a_secret_echoed_json_escaped_as_go_writes_it_is_redacted(server: RawServer) -> None:
    value = "Ab&cd<ef>gh12345"
    go_escaped = b"Ab\\u0026cd\\u003cef\\u003egh12345"
    server.script = lambda _request: [status(403, b'{"error":"bad key","key":"' + go_escaped + b'"}')]
    outcome = probe(keyed(server.url), {"secret-api-key": value})
    assert (outcome.error or "").endswith("""got HTTP 403 with body '{"error":"bad key","key":"[secret]"}'""")
    assert leaks(outcome.everything(), [value]) == []


def test_a_body_holding_a_secret_split_across_lines_is_withheld(server: RawServer) -> None:
    wrapped = base64.encodebytes(b"the key you sent was not one we know of, it was: " + SECRET.encode())
    server.script = lambda _request: [status(403, wrapped)]
    outcome = probe(keyed(server.url))
    assert (outcome.error or "").endswith(
        "got HTTP 403 with body '[withheld: it holds a secret split across lines]'"
    )
    assert leaks(outcome.everything(), [SECRET]) == []


# SECRET has 22 characters: 11 in a row (half of them) give too much away.
PART_ECHOES: dict[str, Callable[[bytes], bytes]] = {
    "the first 16 characters": lambda key: b"bad key " + key[:16] + b"...",
    "the last 11 characters, upper-cased": lambda key: b"bad key ..." + key[-11:].upper(),
    "all of it, one character changed": lambda key: b"bad key " + key[:11] + b"?" + key[12:],
    "the first 11 characters split across lines": lambda key: b"bad key\n" + key[:5] + b"\n" + key[5:11],
}


@pytest.mark.parametrize("echo", sorted(PART_ECHOES))
def test_a_body_holding_half_a_secret_in_a_row_is_withheld(server: RawServer, echo: str) -> None:
    server.script = lambda request: [status(401, PART_ECHOES[echo](header_of(request, b"X-Api-Key")))]
    outcome = probe(keyed(server.url))
    assert (outcome.error or "").endswith("got HTTP 401 with body '[withheld: it holds part of a secret]'")
    assert leaks(outcome.everything(), [SECRET]) == []


def test_a_body_holding_less_than_half_a_secret_in_a_row_is_shown(server: RawServer) -> None:
    server.script = lambda request: [
        status(401, b"bad key " + header_of(request, b"X-Api-Key")[:10] + b"...")
    ]
    outcome = probe(keyed(server.url))
    assert (outcome.error or "").endswith(f"got HTTP 401 with body 'bad key {SECRET[:10]}...'")


def test_a_part_of_a_secret_past_the_characters_shown_does_not_withhold_the_body(server: RawServer) -> None:
    server.script = lambda request: [status(401, b"x" * 300 + header_of(request, b"X-Api-Key")[:16])]
    outcome = probe(keyed(server.url))
    assert (outcome.error or "").endswith(f"got HTTP 401 with body '{'x' * 197}...'")


def test_a_secret_header_with_a_line_break_is_refused_before_anything_is_sent(server: RawServer) -> None:
    outcome = probe(keyed(server.url), {"secret-api-key": SECRET + "\r\n"})
    assert outcome.error == (
        "protectedapi: header X-Api-Key (from secret 'secret-api-key') holds a line break (CR or LF), "
        "which would end the header; nothing was sent. Set the secret without it: `printf '%s' <value> "
        "| pulumi config set --secret --path 'secrets.secret-api-key'`"
    )
    assert server.requests == []
    assert leaks(outcome.everything(), [SECRET]) == []


def test_send_refuses_a_header_value_with_a_line_break_naming_only_the_header(server: RawServer) -> None:
    answer = send(HttpRequest("GET", server.url, {"X-Api-Key": SECRET + "\n"}), 1)
    assert answer == Answer(
        None, "", "not sent: header X-Api-Key holds a line break (CR or LF), which would end the header"
    )
    assert server.requests == []


def test_an_unexpected_error_in_the_provider_is_reported_without_its_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise ValueError(f"Invalid header value b'{SECRET}\\r\\n'")

    logs: list[tuple[str, str]] = []
    monkeypatch.setattr(resource, "run_check", broken)
    monkeypatch.setattr(resource, "pulumi_log", lambda level, message: logs.append((level, message)))
    props = {
        "function": "protectedapi",
        "url": "http://127.0.0.1:9/",
        "secret_values": {"secret-api-key": SECRET},
    }
    with pytest.raises(CheckFailed) as caught:
        InvokeCheckProvider().create(props)
    assert str(caught.value) == (
        "protectedapi: the invoke check stopped on an internal error (ValueError); nothing about it is "
        "shown, as it may quote a secret. Disable the check (checks.<function>.enabled: false) and report "
        "the inputs that cause it"
    )
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert logs == [("error", str(caught.value))]
    assert leaks(str(caught.value) + repr(logs), [SECRET]) == []


def test_a_transport_error_quoting_the_secret_is_named_by_its_kind_only() -> None:
    def quoting(_request: HttpRequest, _deadline: float) -> Answer:
        raise RuntimeError(f"cannot send {SECRET}")

    assert send(HttpRequest("GET", "http://127.0.0.1:9/"), 1, quoting) == Answer(
        None, "", "the request failed (RuntimeError)"
    )


# ---------------------------------------------------------------- credentials in the URL


def test_url_credentials_are_sent_as_basic_auth_and_never_shown(server: RawServer) -> None:
    server.script = lambda request: [status(401, b"who is " + header_of(request, b"Authorization"))]
    spec = parse_checks(
        {"hello": {"expectStatus": 200, "timeoutSeconds": 1}},
        functions={"hello": {"secrets": []}},
        gateway=f"http://admin:{PASSWORD}@127.0.0.1:{server.port}",
    )["hello"]
    outcome = probe(spec, {CREDENTIALS: f"admin:{PASSWORD}"})
    assert header_of(server.requests[0], b"Authorization") == b"Basic " + base64.b64encode(
        f"admin:{PASSWORD}".encode()
    )
    assert outcome.error == (
        f"hello: POST http://127.0.0.1:{server.port}/function/hello did not answer as expected within "
        "1s (2 attempts): expected HTTP 200, got HTTP 401 with body 'who is [secret]'"
    )
    assert leaks(outcome.everything(), [PASSWORD, f"admin:{PASSWORD}"]) == []


def test_the_gateways_credentials_reach_the_check_only_as_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "stack.yaml").write_text(
        "provider:\n  name: openfaas\nfunctions:\n  hello:\n    image: functions/hello:latest\n"
    )
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    monkeypatch.setenv("OPENFAAS_URL", f"http://admin:{PASSWORD}@gateway.example:8080")
    mocks = run_program(tmp_path, mocks=RecordingMocks())
    [check] = mocks.of_type("pulumi-python:dynamic/openfaas:InvokeCheck").values()
    assert check.inputs["url"] == "http://gateway.example:8080/function/hello.openfaas-fn"
    assert check.plain()["secret_values"] == {CREDENTIALS: f"admin:{PASSWORD}"}
    wrapped = check.inputs["secret_values"]
    assert "4dabf18193072939515e22adb298388d" in wrapped
    outside = {k: v for k, v in check.inputs.items() if k != "secret_values"}
    assert leaks(json.dumps(outside) + repr(mocks.warnings), [PASSWORD]) == []


# ---------------------------------------------------------------- hangs


def trickle(_request: bytes) -> Script:
    return [b"HTTP/1.1 200 OK\r\n", *[step for _ in range(100) for step in (0.3, b"X")]]


def trickle_body(_request: bytes) -> Script:
    return [b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", *[s for _ in range(100) for s in (0.3, b"U")]]


@pytest.mark.parametrize("script", [trickle, trickle_body], ids=["in the headers", "in the body"])
def test_a_server_trickling_a_byte_every_300ms_is_cut_off_at_the_deadline(
    server: RawServer, script: Callable[[bytes], Script]
) -> None:
    server.script = script
    outcome = probe(keyed(server.url, timeout_seconds=2), real_time=True)
    assert outcome.error is not None
    assert outcome.error.endswith("got no answer (no complete answer within 2s)")
    # uncut, the trickle takes 30 s; the slack is for a machine loaded by other work (a run beside
    # a CI job once took 4 s here): the bound still tells a cut-off from no cut-off
    assert outcome.seconds < 2 + 10


def test_the_refused_probe_gets_only_the_time_left_of_the_whole_check(server: RawServer) -> None:
    server.script = lambda request: (
        [ok(b"Unlocked the function!")] if header_of(request, b"X-Api-Key") else trickle(request)
    )
    outcome = probe(keyed(server.url, timeout_seconds=2, refused_probe=True), real_time=True)
    assert outcome.error is None
    assert outcome.logs[-1][0] == "warn"
    assert outcome.logs[-1][1].startswith(
        "protectedapi: without X-Api-Key: no answer (no complete answer within"
    )
    assert outcome.seconds < 2 + 1 + 10  # the timeout, the refused probe's floor of 1 s, slack (above)


def test_send_cuts_off_a_transport_that_ignores_the_deadline() -> None:
    def stuck(_request: HttpRequest, _deadline: float) -> Answer:
        time.sleep(10)
        return Answer(200, "late")

    started = time.monotonic()
    answer = send(HttpRequest("GET", "http://127.0.0.1:9/"), 0.5, stuck)
    assert answer == Answer(None, "", "no complete answer within 0.5s")
    assert time.monotonic() - started < 0.5 + 5  # uncut, 10 s; slack for a loaded machine


def test_an_attempt_given_what_is_left_of_the_time_says_it_to_a_tenth_of_a_second() -> None:
    def stuck(_request: HttpRequest, _deadline: float) -> Answer:
        time.sleep(5)
        return Answer(200, "late")

    answer = send(HttpRequest("GET", "http://127.0.0.1:9/"), 0.49999, stuck)
    assert answer == Answer(None, "", "no complete answer within 0.5s")


def test_a_catastrophic_expected_body_regex_is_matched_in_linear_time(server: RawServer) -> None:
    server.script = lambda _request: [ok(b"a" * 50_000 + b"c")]
    outcome = probe(
        CheckSpec("hello", f"{server.url}/function/hello", expect_body_regex="(a+)+b", timeout_seconds=1)
    )
    assert (
        outcome.error is not None
        and "expected an answer that is not HTTP 5xx or 404 and a body matching /(a+)+b/" in outcome.error
    )
    assert outcome.seconds < 1 + 10  # backtracking would take far longer; slack for a loaded machine


# ---------------------------------------------------------------- broken answers are failed attempts


BROKEN: dict[str, tuple[Script, str]] = {
    "a malformed status line": (
        [b"HELLO WORLD\r\n\r\n"],
        "the answer does not start with an HTTP status line",
    ),
    "a flood of headers": (
        [b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(150)) + b"\r\n"],
        "the answer has too many headers (more than 100)",
    ),
    "a header line of 100 KB": (
        [b"HTTP/1.1 200 OK\r\nX-Big: " + b"y" * 100_000 + b"\r\n\r\n"],
        "the answer has a status or header line that is too long",
    ),
    "a close without an answer": ([], "the server closed the connection without answering"),
    "a body cut short": (
        [b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"],
        "the answer ended before its body was complete",
    ),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_answer_is_a_failed_attempt_retried_then_a_clear_failure(
    server: RawServer, kind: str
) -> None:
    script, reason = BROKEN[kind]
    server.script = lambda _request: script
    outcome = probe(keyed(server.url, timeout_seconds=3))
    assert outcome.error is not None
    assert outcome.error.endswith(
        f"(3 attempts): expected HTTP 200 and a body containing 'Unlocked', got no answer ({reason})"
    )
    assert len(server.requests) == 3
    assert "Traceback" not in outcome.everything()
    assert leaks(outcome.everything(), [SECRET]) == []


def test_a_connection_refused_is_a_failed_attempt() -> None:
    outcome = probe(keyed("http://127.0.0.1:9"))
    assert (outcome.error or "").endswith("got no answer (connection refused)")


# ---------------------------------------------------------------- the seam


def test_another_transport_plugs_in_with_the_request_and_a_deadline() -> None:
    seen: list[tuple[HttpRequest, float]] = []

    def through_the_api_server(request: HttpRequest, deadline: float) -> Answer:
        seen.append((request, deadline - time.monotonic()))
        return Answer(200, "Unlocked the function!", headers={"Content-Type": "text/plain"})

    result = run_check(
        keyed("http://gateway:8080", timeout_seconds=5),
        {"secret-api-key": SECRET},
        log=lambda _level, _message: None,
        transport=through_the_api_server,
    )
    assert result.status == 200
    [(request, remaining)] = seen
    assert (request.method, request.url, request.body) == (
        "POST",
        "http://gateway:8080/function/protectedapi",
        b"",
    )
    assert request.headers == {"X-Api-Key": SECRET, "Content-Type": "text/plain"}
    assert 4 < remaining <= 5


def test_a_kubernetes_api_url_goes_through_the_service_proxy_transport(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[Any, ...]] = []

    def proxied(*args: Any) -> service_proxy.ProxiedAnswer:
        calls.append(args)
        return service_proxy.ProxiedAnswer(200, {"Content-Type": "text/plain"}, b"Unlocked the function!")

    monkeypatch.setattr(service_proxy, "send", proxied)
    url = service_proxy.proxy_url("openfaas-fn", "protectedapi", 8080, "/")
    spec = keyed("", url=url, kubeconfig="/home/me/.kube/config", kube_context="dev", timeout_seconds=5)
    outcome = probe(spec)
    assert outcome.error is None
    [(clients, method, sent_url, body, headers, timeout)] = calls
    assert (clients.access, method, sent_url, body) == (
        kubeconfig.ClusterAccess("/home/me/.kube/config", "dev"),
        "POST",
        url,
        b"",
    )
    assert headers == {"X-Api-Key": SECRET, "Content-Type": "text/plain"}
    assert 4 < timeout <= 5


def test_a_service_proxy_error_is_a_failed_attempt_with_its_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(*_args: Any) -> service_proxy.ProxiedAnswer:
        raise service_proxy.ProxyError("cannot connect to the API server")

    monkeypatch.setattr(service_proxy, "send", unreachable)
    url = service_proxy.proxy_url("openfaas-fn", "protectedapi", 8080, "/")
    outcome = probe(keyed("", url=url))
    assert (outcome.error or "").endswith("got no answer (cannot connect to the API server)")


def test_the_provider_refuses_a_secret_header_with_a_line_break_in_one_logged_line(
    server: RawServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs: list[tuple[str, str]] = []
    monkeypatch.setattr(resource, "pulumi_log", lambda level, message: logs.append((level, message)))
    props = {
        **spec_to_props(keyed(server.url)),
        "secret_values": {"secret-api-key": SECRET + "\n"},
        "triggers": "digest-1",
    }
    with pytest.raises(CheckFailed) as caught:
        InvokeCheckProvider().create({k: v for k, v in props.items() if v is not None})
    assert str(caught.value).startswith(
        "protectedapi: header X-Api-Key (from secret 'secret-api-key') holds a line break (CR or LF)"
    )
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert logs == [("error", str(caught.value))]
    assert server.requests == []
    assert leaks(str(caught.value) + repr(logs), [SECRET]) == []
