"""Finding the Kubernetes API server the provider will use, and refusing one that is down."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from components.cluster import ClusterUnreachable, api_server, require_reachable

KUBECONFIG = """\
apiVersion: v1
kind: Config
current-context: local
contexts:
  - name: local
    context: {cluster: local}
  - name: other
    context: {cluster: other}
clusters:
  - name: local
    cluster: {server: "https://127.0.0.1:6443"}
  - name: other
    cluster: {server: "https://10.0.0.1:443"}
"""


def test_the_server_comes_from_the_current_context_of_the_configured_file(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(KUBECONFIG)
    assert api_server(str(path), None, {}) == ("https://127.0.0.1:6443", str(path))


def test_a_configured_context_wins_and_inline_kubeconfig_text_is_read() -> None:
    assert api_server(KUBECONFIG, "other", {}) == ("https://10.0.0.1:443", "the kubernetes:kubeconfig config")


def test_the_kubeconfig_environment_variable_is_used_when_no_config_is_set(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(KUBECONFIG)
    assert api_server(None, None, {"KUBECONFIG": str(path)}) == ("https://127.0.0.1:6443", str(path))


def test_no_readable_kubeconfig_means_nothing_to_check(tmp_path: Path) -> None:
    assert api_server(str(tmp_path / "missing"), None, {}) is None


def test_a_server_that_refuses_connections_is_reported_with_its_source_and_the_fix() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ClusterUnreachable) as caught:
        require_reachable(f"https://127.0.0.1:{port}", "/home/me/.kube/config")
    assert str(caught.value) == (
        f"cannot reach the Kubernetes API server https://127.0.0.1:{port} (from /home/me/.kube/config): "
        "connection refused: start the cluster, or point `pulumi config set kubernetes:kubeconfig <path>` "
        "(and `kubernetes:context`) at one that runs"
    )


def test_a_listening_server_passes() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        require_reachable(f"https://127.0.0.1:{server.getsockname()[1]}", "test")
