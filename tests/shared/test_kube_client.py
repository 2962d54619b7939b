"""The read-only looks at the cluster share one client per run: the kubeconfig is parsed once."""

from __future__ import annotations

import json
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
