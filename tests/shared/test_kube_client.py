"""The read-only looks at the cluster share one client per run: the kubeconfig is parsed once."""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from components.shared import kube_client
from components.shared.kubeconfig import ClusterAccess


class Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        """Quiet."""


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_two_looks_at_the_cluster_parse_the_kubeconfig_once(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
        f"clusters: [{{name: c, cluster: {{server: '{server}'}}}}]\n"
        "users: [{name: u, user: {token: abc}}]\n"
        "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
    )
    made: list[ClusterAccess] = []
    real = kube_client.api_client

    def counted(access: ClusterAccess, **options: Any) -> Any:
        made.append(access)
        return real(access, **options)

    monkeypatch.setattr(kube_client, "api_client", counted)
    access = ClusterAccess(str(path))
    assert kube_client.get_json(access, "/api/v1/namespaces") == {"path": "/api/v1/namespaces"}
    assert kube_client.get_json(access, "/apis/apps/v1/deployments") == {"path": "/apis/apps/v1/deployments"}
    assert made == [access]


def _certificate(folder: Path, name: str, *extra: str) -> tuple[Path, Path]:
    key, cert = folder / f"{name}.key", folder / f"{name}.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-subj", f"/CN={name}", "-days", "1", "-keyout", str(key), "-out", str(cert), *extra],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, cert


def test_inline_key_material_is_off_the_disk_once_the_client_is_made_and_tls_still_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_key, server_cert = _certificate(tmp_path, "server", "-addext", "subjectAltName=IP:127.0.0.1")
    client_key, client_cert = _certificate(tmp_path, "client")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(client_cert))
    context.load_cert_chain(str(server_cert), str(server_key))
    context.verify_mode = ssl.CERT_REQUIRED  # no request without the client's certificate
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def data(path: Path) -> str:
        return base64.b64encode(path.read_bytes()).decode()

    path = tmp_path / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
        f"clusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:{httpd.server_address[1]}', "
        f"certificate-authority-data: {data(server_cert)}}}}}]\n"
        f"users: [{{name: u, user: {{client-certificate-data: {data(client_cert)}, "
        f"client-key-data: {data(client_key)}}}}}]\n"
        "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
    )
    private = tmp_path / "tmp"  # where the client writes its files in this test, and nothing else
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    try:
        client = kube_client.api_client(ClusterAccess(str(path)))
        left = sorted(private.iterdir())
        response = client.call_api("/version", "GET", auth_settings=[], _preload_content=False)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert left == []  # the CA, certificate and key files the client wrote are gone
    assert json.loads(response[0].data) == {"path": "/version"}


def test_a_client_key_of_another_certificate_is_named_when_the_client_is_made(tmp_path: Path) -> None:
    _certificate(tmp_path, "a")
    _certificate(tmp_path, "b")
    path = tmp_path / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        f"users: [{{name: u, user: {{client-certificate: {tmp_path / 'a.crt'}, "
        f"client-key: {tmp_path / 'b.key'}}}}}]\n"
        "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
    )
    with pytest.raises(kube_client.KubeClientError) as caught:
        kube_client.api_client(ClusterAccess(str(path)))
    assert str(caught.value) == "the kubeconfig's client certificate and client key do not belong together"
