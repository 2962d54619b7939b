"""The check's way in on Kubernetes: the API server's service proxy, with the kubeconfig's
credentials (token and exec plugin), on the local node (`make kube`, `make kube-images`)."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from components.check.service_proxy import ProxyError, proxy_url, send
from components.shared.kubeconfig import ClusterAccess
from tests.engine.kube_support import KUBECONFIG, delete_namespace, kubectl, require_node, unique_namespace
from tests.support.manifests import manifest

pytestmark = pytest.mark.engine
FUNCTION = "svcproxy-f000"


@pytest.fixture(scope="module")
def function() -> Iterator[str]:
    """A function deployed with kubectl alone (this tests the transport, not the program)."""
    require_node()
    namespace = unique_namespace("of-proxy")
    path = KUBECONFIG.parent / f"{namespace}.json"
    path.write_text(manifest(namespace, [FUNCTION], secret_value="expected-key-4711"))
    try:
        kubectl("apply", "-f", str(path), output="name")
        kubectl("rollout", "status", f"deployment/{FUNCTION}", "-n", namespace, "--timeout=90s", output="")
    finally:
        path.unlink()
    yield namespace
    delete_namespace(namespace)


def test_a_call_through_the_service_proxy_reaches_the_function_with_the_token(
    function: str,
) -> None:
    namespace = function
    url = proxy_url(namespace, FUNCTION, 8080)
    answer = send(ClusterAccess(str(KUBECONFIG)), "POST", url, b"", {}, 10)
    assert (answer.status, answer.body) == (200, b"Access denied!\n")


def test_the_function_sees_the_request_headers_through_the_proxy(function: str) -> None:
    namespace = function
    url = proxy_url(namespace, FUNCTION, 8080)
    answer = send(ClusterAccess(str(KUBECONFIG)), "POST", url, b"", {"X-Api-Key": "expected-key-4711"}, 10)
    assert (answer.status, answer.body) == (200, b"Unlocked the function!\n")


def test_an_exec_credential_plugin_is_run_for_the_token(function: str, tmp_path: Path) -> None:
    namespace = function
    config = yaml.safe_load(KUBECONFIG.read_text())
    token = config["users"][0]["user"].pop("token")
    plugin = tmp_path / "token-plugin"
    credential = {"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                  "status": {"token": token}}  # fmt: skip
    plugin.write_text(f"#!/bin/sh\ncat <<'EOF'\n{json.dumps(credential)}\nEOF\n")
    plugin.chmod(plugin.stat().st_mode | stat.S_IXUSR)
    config["users"][0]["user"]["exec"] = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": str(plugin),
        "interactiveMode": "Never",
    }
    exec_config = tmp_path / "exec-kubeconfig"
    exec_config.write_text(yaml.safe_dump(config))
    answer = send(ClusterAccess(str(exec_config)), "POST", proxy_url(namespace, FUNCTION, 8080), b"", {}, 10)
    assert answer.status == 200


def test_a_service_that_does_not_exist_is_a_404_answer_not_an_error(function: str) -> None:
    namespace = function
    answer = send(
        ClusterAccess(str(KUBECONFIG)), "GET", proxy_url(namespace, "nothing-here", 8080), b"", {}, 10
    )
    assert answer.status == 404


def test_an_unreachable_api_server_is_an_error_that_quotes_no_credential(tmp_path: Path) -> None:
    config = yaml.safe_load(KUBECONFIG.read_text())
    token = config["users"][0]["user"]["token"]
    config["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:1"
    nowhere = tmp_path / "nowhere"
    nowhere.write_text(yaml.safe_dump(config))
    with pytest.raises(ProxyError) as caught:
        send(ClusterAccess(str(nowhere)), "GET", proxy_url("ns", "fn", 8080), b"", {}, 5)
    assert str(caught.value) == "cannot connect to the API server"
    assert token not in str(caught.value)


def test_a_missing_kubeconfig_is_an_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-kubeconfig"
    with pytest.raises(ProxyError) as caught:
        send(ClusterAccess(str(missing)), "GET", proxy_url("ns", "fn", 8080), b"", {}, 5)
    assert str(caught.value).startswith(f"cannot use the kubeconfig {missing}: ")


def test_an_unknown_context_is_an_error_naming_the_kubeconfig() -> None:
    with pytest.raises(ProxyError) as caught:
        send(
            ClusterAccess(str(KUBECONFIG), "no-such-context"), "GET", proxy_url("ns", "fn", 8080), b"", {}, 5
        )
    assert str(caught.value).startswith(f"cannot use the kubeconfig {KUBECONFIG}: ")
