"""`service_proxy.send` against a stand-in API server on 127.0.0.1: the request goes exactly where
`proxy_url` says, and nothing the kubernetes client logs reaches a handler."""

from __future__ import annotations

import contextlib
import logging
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from components.check import service_proxy
from components.check.service_proxy import ProxyClients, ProxyError, path_problem, proxy_url, send
from components.shared.kubeconfig import ClusterAccess
from tests.support.secret_search import leaks

TOKEN = "exec-token-9d8c7b6a"
DOT_SEGMENTS = (
    "has a '.' or '..' segment (or one percent-encoded, such as %2e%2e), which would be resolved to "
    "another path (through the API server, outside the function's service proxy): write the path "
    "without it"
)
LEFT = (
    "the check's path would leave the function's service proxy (a '.' or '..' segment, or a backslash): "
    "nothing was sent"
)


@pytest.fixture
def api_server() -> Iterator[tuple[str, list[str]]]:
    """(its URL, the request lines it got): answers every request 200."""
    lines: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            lines.append(self.requestline)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", lines
    finally:
        httpd.shutdown()
        httpd.server_close()


def kubeconfig(folder: Path, server: str, user: str = "{token: abc}") -> ClusterAccess:
    path = folder / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
        f"clusters: [{{name: c, cluster: {{server: '{server}'}}}}]\n"
        f"users: [{{name: u, user: {user}}}]\n"
        "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
    )
    return ClusterAccess(str(path))


@pytest.mark.parametrize(
    "path",
    [
        "/../../../../../api/v1/namespaces/kube-system/secrets",
        "/x/../../y",
        "/./x",
        "/%2e%2e/%2E%2E/api/v1/secrets",
        "/%252e%252e/api/v1/secrets",
        "/..;/api/v1/secrets",
        "/x/..",
    ],
)
def test_a_path_with_dot_segments_in_any_form_is_refused(path: str) -> None:
    assert path_problem(path) == DOT_SEGMENTS


@pytest.mark.parametrize("path", ["/a\\b", "/a%5cb", "/a%5C..%5Cb"])
def test_a_path_with_a_backslash_is_refused(path: str) -> None:
    assert path_problem(path) == "holds a backslash (or %5C), which some servers take for '/': write '/'"


@pytest.mark.parametrize("path", ["/", "", "/a.b/...c/x.", "/status?next=../up", "/%2Fx", "/v1.2/..x"])
def test_a_path_without_dot_segments_passes(path: str) -> None:
    assert path_problem(path) is None


@pytest.mark.parametrize(
    "path", ["/../../../../../api/v1/namespaces/kube-system/secrets", "/x/../../y", "/%2e%2e/%2e%2e/api/v1"]
)
def test_a_url_whose_path_would_leave_the_service_proxy_is_not_sent(
    api_server: tuple[str, list[str]], tmp_path: Path, path: str
) -> None:
    url, lines = api_server
    with pytest.raises(ProxyError) as caught:
        send(kubeconfig(tmp_path, url), "DELETE", proxy_url("openfaas-fn", "hello", 8080, path), b"", {}, 5)
    assert str(caught.value) == LEFT
    assert lines == []


def test_the_request_path_is_the_proxy_prefix_and_the_path_exactly(
    api_server: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, lines = api_server
    access = kubeconfig(tmp_path, f"{url}/k8s/clusters/c-1/")
    answer = send(
        access, "DELETE", proxy_url("openfaas-fn", "hello", 8080, "/a.b/%2Fc?next=../up"), b"", {}, 5
    )
    assert (answer.status, answer.body) == (200, b"ok")
    assert lines == [
        "DELETE /k8s/clusters/c-1/api/v1/namespaces/openfaas-fn/services/hello:8080/proxy/"
        "a.b/%2Fc?next=../up HTTP/1.1"
    ]


def test_a_failed_exec_plugin_is_a_proxy_error_and_what_it_printed_reaches_no_handler(
    api_server: tuple[str, list[str]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    url, lines = api_server
    plugin = (
        "{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: sh, args: ['-c', "
        "'echo \"auth failed for token $TOKEN\" >&2; exit 1'], "
        f"env: [{{name: TOKEN, value: {TOKEN}}}]}}}}"
    )
    root, package = logging.getLogger(), logging.getLogger("kubernetes")
    before = (list(root.handlers), list(root.filters), list(package.handlers), package.propagate)
    with caplog.at_level(logging.DEBUG), pytest.raises(ProxyError) as caught:
        send(kubeconfig(tmp_path, url, plugin), "GET", proxy_url("openfaas-fn", "hello", 8080), b"", {}, 5)
    assert str(caught.value) == (
        "the kubeconfig's credentials could not be read (its exec plugin exited with status 1)"
    )
    assert caplog.records == []
    assert leaks(str(caught.value) + "".join(capfd.readouterr()), [TOKEN]) == []
    assert (list(root.handlers), list(root.filters), list(package.handlers), package.propagate) == before
    assert lines == []


def test_a_missing_exec_plugin_is_named(api_server: tuple[str, list[str]], tmp_path: Path) -> None:
    url, lines = api_server
    plugin = "{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: no-such-auth-plugin}}"
    with pytest.raises(ProxyError) as caught:
        send(kubeconfig(tmp_path, url, plugin), "GET", proxy_url("openfaas-fn", "hello", 8080), b"", {}, 5)
    assert str(caught.value) == (
        "the kubeconfig's credentials could not be read (its exec plugin "
        "'no-such-auth-plugin' was not found: install it, or fix the user's exec command)"
    )
    assert lines == []


def test_one_check_reads_the_kubeconfig_and_runs_its_exec_plugin_once_for_all_its_attempts(
    api_server: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, lines = api_server
    runs = tmp_path / "runs"
    script = tmp_path / "plugin.sh"
    credential = '{"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential", '
    credential += '"status": {"token": "t"}}'
    script.write_text(f"#!/bin/sh\necho run >> {runs}\necho '{credential}'\n")
    script.chmod(0o755)
    plugin = f"{{exec: {{apiVersion: client.authentication.k8s.io/v1beta1, command: {script}}}}}"
    clients = ProxyClients(kubeconfig(tmp_path, url, plugin))
    for _ in range(3):
        send(clients, "GET", proxy_url("openfaas-fn", "hello", 8080), b"", {}, 5)
    assert len(lines) == 3
    assert runs.read_text() == "run\n"


def test_a_failed_exec_plugin_is_run_again_at_the_next_attempt(
    api_server: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, lines = api_server
    script = tmp_path / "plugin.sh"
    script.write_text("#!/bin/sh\nexit 3\n")
    script.chmod(0o755)
    plugin = f"{{exec: {{apiVersion: client.authentication.k8s.io/v1beta1, command: {script}}}}}"
    clients = ProxyClients(kubeconfig(tmp_path, url, plugin))
    with pytest.raises(ProxyError, match="exited with status 3"):
        send(clients, "GET", proxy_url("openfaas-fn", "hello", 8080), b"", {}, 5)
    credential = '{"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential", '
    credential += '"status": {"token": "t"}}'
    script.write_text(f"#!/bin/sh\necho '{credential}'\n")  # the user signed in meanwhile
    assert send(clients, "GET", proxy_url("openfaas-fn", "hello", 8080), b"", {}, 5).status == 200
    assert len(lines) == 1


def test_an_exec_plugin_still_running_from_an_earlier_attempt_is_waited_for_not_started_again(
    api_server: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, _ = api_server
    runs, signed_in = tmp_path / "runs", tmp_path / "signed-in"
    script = tmp_path / "plugin.sh"
    # as if waiting for a login: until the test says the user signed in
    script.write_text(
        f"#!/bin/sh\necho run >> {runs}\nwhile [ ! -e {signed_in} ]; do sleep 0.05; done\nexit 1\n"
    )
    script.chmod(0o755)
    plugin = f"{{exec: {{apiVersion: client.authentication.k8s.io/v1beta1, command: {script}}}}}"
    clients = ProxyClients(kubeconfig(tmp_path, url, plugin))

    def first_attempt() -> None:
        with contextlib.suppress(ProxyError):
            clients.client(60)

    first = threading.Thread(target=first_attempt, daemon=True)
    first.start()
    deadline = time.monotonic() + 60
    while not runs.exists() and time.monotonic() < deadline:  # the first attempt's plugin is running
        time.sleep(0.01)
    try:
        with pytest.raises(ProxyError) as caught:
            send(clients, "GET", proxy_url("openfaas-fn", "hello", 8080), b"", {}, 0.5)
    finally:
        signed_in.touch()
        first.join(60)
    assert str(caught.value) == (
        "the kubeconfig's credentials are still being read by an earlier attempt (does its exec plugin "
        "wait for an interactive login? sign in first, e.g. with kubectl)"
    )
    assert runs.read_text() == "run\n"


def test_a_client_key_that_does_not_match_its_certificate_is_named_as_such(tmp_path: Path) -> None:
    for name in ("a", "b"):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-subj", f"/CN={name}", "-days", "1", "-keyout", str(tmp_path / f"{name}.key"),
             "-out", str(tmp_path / f"{name}.crt")],
            check=True, capture_output=True,
        )  # fmt: skip
    with socket.socket() as listener:  # accepts TCP; the client fails before its TLS handshake
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        user = f"{{client-certificate: {tmp_path / 'a.crt'}, client-key: {tmp_path / 'b.key'}}}"
        access = kubeconfig(tmp_path, f"https://127.0.0.1:{listener.getsockname()[1]}", user)
        with pytest.raises(ProxyError) as caught:
            send(access, "GET", proxy_url("openfaas-fn", "hello", 8080), b"", {}, 5)
    assert str(caught.value) == "the kubeconfig's client certificate and client key do not belong together"


def test_only_the_kubernetes_clients_records_are_dropped_and_only_while_it_runs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def client(_access: ClusterAccess) -> Any:
        logging.getLogger("kubernetes.client.rest").error("response for token %s", TOKEN)
        logging.getLogger("components.elsewhere").warning("kept")
        raise ProxyError("cannot use the kubeconfig k: no context")

    monkeypatch.setattr(service_proxy, "api_client", client)
    with caplog.at_level(logging.DEBUG), pytest.raises(ProxyError):
        send(ClusterAccess("k"), "GET", proxy_url("ns", "fn", 8080), b"", {}, 5)
    logging.getLogger("kubernetes.client.rest").warning("after")
    assert [record.getMessage() for record in caplog.records] == ["kept", "after"]


def test_a_token_file_ending_in_a_newline_is_sent_trimmed_as_client_go_sends_it(tmp_path: Path) -> None:
    sent: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            sent.append(self.headers.get("Authorization"))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    token = tmp_path / "token"
    token.write_text(f"{TOKEN}\n")  # as `kubectl create token ... > token` writes it
    try:
        access = kubeconfig(
            tmp_path, f"http://127.0.0.1:{httpd.server_address[1]}", f"{{tokenFile: {token}}}"
        )
        answer = send(access, "GET", proxy_url("fn", "hello", 8080, "/"), b"", {}, 5.0)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert (answer.status, sent) == (200, [f"Bearer {TOKEN}"])
