"""The post-deploy invoke check (components/check/), against a real local HTTP server.

The server plays the ApiKeyProtected function: 200 "Unlocked the function!" when X-Api-Key is
the secret, 200 "Access denied!" otherwise, after any scripted answers (e.g. two 502s while the
pod starts). Time is a fake clock advanced by the fake sleep, so retries are exact and instant.
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc

from components.check import resource
from components.check.probe import CheckFailed, run_check
from components.check.props import spec_to_props
from components.check.resource import InvokeCheck, InvokeCheckArgs, InvokeCheckProvider
from components.check.spec import CheckSpec

SECRET = "R^YqzKzSJw51K9zPpQ3R3N"
ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- the fake function


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class FakeFunction:
    """What the server answers and what it was asked."""

    scripted: list[tuple[int, str]] = field(default_factory=list)
    unlock_always: bool = False
    answer: Callable[[Request], tuple[int, str, dict[str, str]]] | None = None
    requests: list[Request] = field(default_factory=list)

    def respond(self, request: Request) -> tuple[int, str, dict[str, str]]:
        self.requests.append(request)
        if self.scripted:
            status, body = self.scripted.pop(0)
            return status, body, {}
        if self.answer is not None:
            return self.answer(request)
        if self.unlock_always or request.headers.get("X-Api-Key") == SECRET:
            return 200, "Unlocked the function!\n", {}
        return 200, "Access denied!\n", {}


@dataclass
class Server:
    url: str
    function: FakeFunction


@pytest.fixture
def server() -> Iterator[Server]:
    function = FakeFunction()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            request = Request(self.command, self.path, dict(self.headers.items()), body)
            status, text, extra = function.respond(request)
            data = text.encode()
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", function)
    finally:
        httpd.shutdown()
        httpd.server_close()


class FakeTime:
    """A monotonic clock that only moves when `sleep` is called."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class Logs:
    lines: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, level: str, message: str) -> None:
        self.lines.append((level, message))


def api_key_spec(url: str, **changes: Any) -> CheckSpec:
    base: dict[str, Any] = dict(
        function="protectedapi",
        url=f"{url}/function/protectedapi",
        secret_headers={"X-Api-Key": "secret-api-key"},
        expect_status=200,
        expect_body="Unlocked the function!",
    )
    base.update(changes)
    return CheckSpec(**base)


def check(
    spec: CheckSpec, secret: str = SECRET, time: FakeTime | None = None, logs: Logs | None = None
) -> Any:
    time = time or FakeTime()
    return run_check(
        spec,
        {"secret-api-key": secret},
        log=logs if logs is not None else Logs(),
        sleep=time.sleep,
        clock=time.clock,
    )


# ---------------------------------------------------------------- the probe


def test_the_secret_header_unlocks_the_function_on_the_first_attempt(server: Server) -> None:
    result = check(api_key_spec(server.url))
    assert (result.status, result.attempts, result.refused_status) == (200, 1, None)
    assert result.summary == "HTTP 200 after 1 attempt"


def test_the_request_is_sent_as_faas_cli_invoke_sends_it(server: Server) -> None:
    check(api_key_spec(server.url, body="hi", headers={"X-Trace": "on"}))
    [request] = server.function.requests
    assert (request.method, request.path, request.body) == ("POST", "/function/protectedapi", "hi")
    assert request.headers["X-Api-Key"] == SECRET
    assert request.headers["X-Trace"] == "on"
    assert request.headers["Content-Type"] == "text/plain"


def test_the_refused_probe_drops_only_the_secret_headers(server: Server) -> None:
    check(api_key_spec(server.url, headers={"X-Trace": "on"}, refused_probe=True))
    unlocked, refused = server.function.requests
    assert "X-Api-Key" in unlocked.headers
    assert "X-Api-Key" not in refused.headers
    assert refused.headers["X-Trace"] == "on"


def test_access_denied_without_the_secret_passes_the_refused_probe(server: Server) -> None:
    logs = Logs()
    result = check(api_key_spec(server.url, refused_probe=True), logs=logs)
    assert (result.status, result.refused_status) == (200, 200)
    assert result.summary == (
        "HTTP 200 after 1 attempt; without X-Api-Key: HTTP 200 with body 'Access denied!'"
    )
    assert logs.lines == [
        ("info", "protectedapi: HTTP 200 after 1 attempt (0.0s)"),
        ("info", "protectedapi: without X-Api-Key: HTTP 200 with body 'Access denied!', refused as expected"),
    ]


def test_a_function_that_unlocks_without_the_secret_fails(server: Server) -> None:
    server.function.unlock_always = True
    with pytest.raises(CheckFailed) as caught:
        check(api_key_spec(server.url, refused_probe=True))
    assert str(caught.value) == (
        f"protectedapi: POST {server.url}/function/protectedapi without header(s) X-Api-Key was "
        "not refused: expected an answer other than HTTP 200 and a body containing 'Unlocked "
        "the function!', got HTTP 200 with body 'Unlocked the function!'"
    )


def test_502s_while_the_pod_starts_are_retried_with_backoff_and_logged(server: Server) -> None:
    server.function.scripted = [(502, "Bad Gateway"), (502, "Bad Gateway")]
    time, logs = FakeTime(), Logs()
    result = check(api_key_spec(server.url), time=time, logs=logs)
    assert (result.status, result.attempts) == (200, 3)
    assert time.sleeps == [1.0, 2.0]
    assert logs.lines == [
        ("info", "protectedapi: attempt 1, HTTP 502, retrying"),
        ("info", "protectedapi: attempt 2, HTTP 502, retrying"),
        ("info", "protectedapi: HTTP 200 after 3 attempts (3.0s)"),
    ]


def test_a_wrong_body_is_retried_and_logged_as_such(server: Server) -> None:
    server.function.scripted = [(200, "Access denied!")]
    logs = Logs()
    check(api_key_spec(server.url), logs=logs)
    assert logs.lines[0] == ("info", "protectedapi: attempt 1, HTTP 200, body did not match, retrying")


def test_backoff_is_capped_at_ten_seconds_and_stops_at_the_timeout(server: Server) -> None:
    server.function.scripted = [(503, "")] * 20
    time = FakeTime()
    with pytest.raises(CheckFailed):
        check(api_key_spec(server.url, timeout_seconds=40), time=time)
    assert time.sleeps == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 5.0]


def test_the_timeout_failure_names_function_url_expectation_and_answer(server: Server) -> None:
    time = FakeTime()
    with pytest.raises(CheckFailed) as caught:
        check(api_key_spec(server.url, timeout_seconds=5), secret="wrong", time=time)
    assert str(caught.value) == (
        f"protectedapi: POST {server.url}/function/protectedapi did not answer as expected "
        "within 5s (4 attempts): expected HTTP 200 and a body containing 'Unlocked the "
        "function!', got HTTP 200 with body 'Access denied!'"
    )
    assert time.sleeps == [1.0, 2.0, 2.0]


def test_a_function_nobody_answers_for_reports_the_connection_error() -> None:
    spec = CheckSpec("figlet", "http://127.0.0.1:9/function/figlet", timeout_seconds=1)
    time = FakeTime()
    with pytest.raises(CheckFailed) as caught:
        run_check(spec, {}, log=Logs(), sleep=time.sleep, clock=time.clock)
    assert str(caught.value) == (
        "figlet: POST http://127.0.0.1:9/function/figlet did not answer as expected within 1s "
        "(2 attempts): expected an answer that is not HTTP 5xx or 404, got no answer "
        "(connection refused)"
    )


def test_readiness_passes_on_any_answer_that_is_not_5xx_or_404(server: Server) -> None:
    server.function.scripted = [(404, "Not Found"), (401, "Unauthorized")]
    result = check(CheckSpec("figlet", f"{server.url}/function/figlet"))
    assert (result.status, result.attempts) == (401, 2)


def test_the_body_excerpt_is_cut_to_200_characters(server: Server) -> None:
    server.function.answer = lambda _request: (500, "x" * 1000, {})
    with pytest.raises(CheckFailed) as caught:
        check(CheckSpec("figlet", f"{server.url}/function/figlet", timeout_seconds=1))
    assert str(caught.value).endswith(f"got HTTP 500 with body '{'x' * 197}...'")


def test_a_redirect_is_reported_not_followed(server: Server) -> None:
    server.function.answer = lambda _r: (302, "", {"Location": f"{server.url}/elsewhere"})
    with pytest.raises(CheckFailed) as caught:
        check(api_key_spec(server.url, timeout_seconds=1))
    assert str(caught.value).endswith("got HTTP 302 with body ''")
    assert {r.path for r in server.function.requests} == {"/function/protectedapi"}


def test_a_disabled_check_sends_nothing(server: Server) -> None:
    logs = Logs()
    result = check(api_key_spec(server.url, enabled=False), logs=logs)
    assert (result.summary, server.function.requests) == ("disabled", [])
    assert logs.lines == [("info", "protectedapi: check disabled")]


def test_the_real_clock_and_sleep_are_the_defaults(server: Server) -> None:
    result = run_check(api_key_spec(server.url), {"secret-api-key": SECRET}, log=Logs())
    assert result.status == 200


# ---------------------------------------------------------------- the secret never shows


def echo_secret(request: Request) -> tuple[int, str, dict[str, str]]:
    """A function that leaks the key back: 403 `bad key <key>`."""
    return 403, f"bad key {request.headers.get('X-Api-Key')}", {}


def test_a_secret_echoed_by_the_function_is_redacted_from_the_error(server: Server) -> None:
    server.function.answer = echo_secret
    with pytest.raises(CheckFailed) as caught:
        check(api_key_spec(server.url, timeout_seconds=1))
    assert SECRET not in str(caught.value)
    assert str(caught.value).endswith("got HTTP 403 with body 'bad key [secret]'")


def test_a_secret_never_appears_in_logs_or_results(server: Server) -> None:
    server.function.scripted = [(403, f"bad key {SECRET}"), (500, f"key%3D{SECRET}")]
    logs = Logs()
    result = check(api_key_spec(server.url, refused_probe=True), logs=logs)
    assert SECRET not in repr(logs.lines) + repr(result)


def test_a_url_encoded_secret_is_redacted_too(server: Server) -> None:
    server.function.answer = lambda _r: (500, "key=R%5EYqzKzSJw51K9zPpQ3R3N", {})
    with pytest.raises(CheckFailed) as caught:
        check(api_key_spec(server.url, timeout_seconds=1))
    assert str(caught.value).endswith("got HTTP 500 with body 'key=[secret]'")


# ---------------------------------------------------------------- the provider


def props(spec: CheckSpec, triggers: str = "digest-1", secret: str = SECRET) -> dict[str, Any]:
    """Inputs as the provider receives them: plaintext secrets, no None values."""
    raw = {**spec_to_props(spec), "secret_values": {"secret-api-key": secret}, "triggers": triggers}
    return {k: v for k, v in raw.items() if v is not None}


def over_the_wire(values: dict[str, Any]) -> dict[str, Any]:
    """Outputs as the engine hands them back to `diff` (ints become floats)."""

    async def trip() -> dict[str, Any]:
        wire = await rpc.serialize_properties(values, {})
        back: dict[str, Any] = rpc.deserialize_properties(wire)
        return back

    return asyncio.run(trip())


def test_create_runs_the_check_and_outputs_no_secret(server: Server) -> None:
    result = InvokeCheckProvider().create(props(api_key_spec(server.url, refused_probe=True)))
    assert result.id == "protectedapi"
    assert result.outs is not None
    assert (result.outs["status"], result.outs["attempts"], result.outs["refused_status"]) == (200, 1, 200)
    assert "secret_values" not in result.outs
    assert SECRET not in json.dumps(result.outs)
    assert len(server.function.requests) == 2


def test_create_fails_with_the_redacted_message_also_logged_as_an_error(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = Logs()
    monkeypatch.setattr(resource, "pulumi_log", logs)
    server.function.answer = echo_secret
    with pytest.raises(CheckFailed) as caught:
        InvokeCheckProvider().create(props(api_key_spec(server.url, timeout_seconds=1)))
    assert "got HTTP 403 with body 'bad key [secret]'" in str(caught.value)
    assert logs.lines[-1] == ("error", str(caught.value))
    assert SECRET not in str(caught.value) + repr(logs.lines)


def test_update_runs_the_check_again(server: Server) -> None:
    spec = api_key_spec(server.url)
    result = InvokeCheckProvider().update("protectedapi", props(spec), props(spec, "digest-2"))
    assert result.outs is not None and result.outs["triggers"] == "digest-2"
    assert len(server.function.requests) == 1


def test_diff_sees_no_change_when_nothing_changed(server: Server) -> None:
    spec = api_key_spec(server.url, timeout_seconds=60)
    olds = over_the_wire(InvokeCheckProvider().create(props(spec)).outs or {})
    assert InvokeCheckProvider().diff("protectedapi", olds, props(spec)).changes is False


def test_diff_reruns_the_check_when_the_triggers_change(server: Server) -> None:
    spec = api_key_spec(server.url)
    olds = over_the_wire(InvokeCheckProvider().create(props(spec)).outs or {})
    result = InvokeCheckProvider().diff("protectedapi", olds, props(spec, "digest-2"))
    assert (result.changes, result.replaces) == (True, [])


def test_diff_reruns_the_check_when_the_spec_changes(server: Server) -> None:
    spec = api_key_spec(server.url)
    olds = over_the_wire(InvokeCheckProvider().create(props(spec)).outs or {})
    news = props(api_key_spec(server.url, expect_body="You unlocked the function."))
    assert InvokeCheckProvider().diff("protectedapi", olds, news).changes is True


def test_diff_treats_an_unknown_trigger_in_preview_as_a_change(server: Server) -> None:
    spec = api_key_spec(server.url)
    olds = over_the_wire(InvokeCheckProvider().create(props(spec)).outs or {})
    assert InvokeCheckProvider().diff("protectedapi", olds, props(spec, rpc.UNKNOWN)).changes is True


def test_check_and_diff_never_invoke_the_function(server: Server) -> None:
    spec = api_key_spec(server.url)
    provider = InvokeCheckProvider()
    provider.check({}, props(spec))
    provider.diff("protectedapi", props(spec), props(spec, "digest-2"))
    assert server.function.requests == []


def test_the_provider_is_pickled_by_reference_not_by_value() -> None:
    pickled = base64.b64decode(serialize_provider(InvokeCheckProvider()))
    assert b"components.check.resource" in pickled and b"InvokeCheckProvider" in pickled
    assert len(pickled) < 200


def test_pulumi_log_in_the_provider_process_reaches_stderr() -> None:
    """The provider process has no engine connection: pulumi.log writes to stderr, which the
    engine shows as diagnostics for dynamic providers."""
    code = (
        "from pulumi.runtime import configure, Settings\n"
        "configure(Settings(project='p', stack='stack', organization='organization'))\n"
        "from components.check.resource import pulumi_log\n"
        "pulumi_log('info', 'protectedapi: attempt 3, HTTP 502, retrying')\n"
        "pulumi_log('warn', 'protectedapi: without X-Api-Key: no answer')\n"
        "pulumi_log('error', 'protectedapi: did not answer as expected')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stderr.splitlines() == [
        "info: protectedapi: attempt 3, HTTP 502, retrying",
        "warning: protectedapi: without X-Api-Key: no answer",
        "error: protectedapi: did not answer as expected",
    ]


# ---------------------------------------------------------------- the resource, under mocks


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.inputs: dict[str, dict[str, Any]] = {}
        self.types: dict[str, str] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.inputs[args.name] = dict(args.inputs)
        self.types[args.name] = args.typ
        outputs = {k: v for k, v in args.inputs.items() if k != "secret_values"}
        return f"{args.name}-id", {**outputs, "status": 200, "attempts": 1, "summary": "ok"}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


@pytest.fixture
def mocks() -> RecordingMocks:
    """Pulumi's mocks, recording what is registered (tests/conftest.py gives each test a loop)."""
    recording = RecordingMocks()
    pulumi.runtime.set_mocks(recording, preview=False)
    return recording


def resolved(build: Callable[[], pulumi.Output[Any]]) -> Any:
    """Run `build` under the mocks and return the value of the Output it gives."""
    values: list[Any] = []

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> pulumi.Output[None]:
        return build().apply(values.append)

    program()
    return values[0]


def test_the_resource_sends_secret_values_as_one_secret(mocks: RecordingMocks) -> None:
    spec = api_key_spec("http://gateway:8080")
    args = InvokeCheckArgs(spec, {"secret-api-key": SECRET, "unused": "x"}, triggers="digest-1")
    resolved(lambda: InvokeCheck("protectedapi-check", args).id)
    sent = mocks.inputs["protectedapi-check"]
    assert rpc.is_rpc_secret(sent["secret_values"])
    assert rpc.unwrap_rpc_secret(sent["secret_values"]) == {"secret-api-key": SECRET}


def test_the_resource_sends_the_spec_the_triggers_and_a_secret_provider(mocks: RecordingMocks) -> None:
    args = InvokeCheckArgs(api_key_spec("http://gateway:8080"), {"secret-api-key": SECRET}, "digest-1")
    resolved(lambda: InvokeCheck("protectedapi-check", args).id)
    sent = mocks.inputs["protectedapi-check"]
    assert mocks.types["protectedapi-check"] == "pulumi-python:dynamic/openfaas:InvokeCheck"
    assert (sent["function"], sent["triggers"], sent["secret_headers"]) == (
        "protectedapi",
        "digest-1",
        {"X-Api-Key": "secret-api-key"},
    )
    assert rpc.is_rpc_secret(sent["__provider"])
    assert SECRET not in json.dumps({k: v for k, v in sent.items() if k != "secret_values"})


def test_the_resource_exposes_the_checks_outputs(mocks: RecordingMocks) -> None:
    def build() -> pulumi.Output[Any]:
        check = InvokeCheck("figlet-check", InvokeCheckArgs(CheckSpec("figlet", "http://gw/function/figlet")))
        return pulumi.Output.all(check.function, check.url, check.status, check.attempts, check.summary)

    assert resolved(build) == ["figlet", "http://gw/function/figlet", 200, 1, "ok"]


def test_a_missing_secret_value_is_refused_before_anything_is_registered(mocks: RecordingMocks) -> None:
    with pytest.raises(ValueError) as caught:
        InvokeCheck("protectedapi-check", InvokeCheckArgs(api_key_spec("http://gw")))
    assert str(caught.value) == (
        "InvokeCheck protectedapi-check: the check of 'protectedapi' uses secret(s) "
        "secret-api-key in its headers; pass their values in secret_values"
    )
    assert mocks.inputs == {}


def test_a_kubeconfigs_content_is_never_taken_as_the_checks_kubeconfig(mocks: RecordingMocks) -> None:
    content = "# lab\napiVersion: v1\nusers: [{name: u, user: {token: kube-token-5c4b3a29}}]\n"
    spec = CheckSpec(
        "hello", "kubernetes-api:///api/v1/namespaces/ns/services/hello:8080/proxy/", kubeconfig=content
    )
    with pytest.raises(ValueError) as caught:
        InvokeCheck("hello-check", InvokeCheckArgs(spec))
    assert str(caught.value) == (
        "InvokeCheck hello-check: the check of 'hello' was given a kubeconfig's content, which would be "
        "stored in plain text; give the path of a kubeconfig file"
    )
    assert mocks.inputs == {}
