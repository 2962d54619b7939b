"""The example stack on the real engine against the local API server (`make kube`).

There is no kubelet, so pods never start: the tests turn on `skipAwait` and turn the invoke check
off, and read back what the API server stored.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from pulumi import automation as auto

from tests.engine.harness import ROOT, EngineProject, new_project, require_toolchain
from tests.mocks import DEMO_SECRET

pytestmark = pytest.mark.engine
KUBECONFIG = ROOT / ".toolchain" / "kubeconfig"
ROTATED = "Zx9!rotated-value-4711"


def kubectl(*args: str, output: str = "json") -> Any:
    cache = Path(os.environ.get("OPENFAAS_STACK_CACHE", Path.home() / ".cache/openfaas-stack"))
    command = [str(cache / "kube/bin/kubectl"), f"--kubeconfig={KUBECONFIG}", *args, "-o", output]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out) if output == "json" else out


def kube_project(tmp: Path, namespace: str) -> EngineProject:
    tmp.mkdir(parents=True, exist_ok=True)
    require_toolchain()
    if not KUBECONFIG.exists():
        raise RuntimeError(f"{KUBECONFIG} is missing: run `make kube`")
    project = new_project(tmp, "kube")
    project.set("target", "kubernetes")
    project.set("namespace", namespace)
    project.set("createNamespaces", True)
    project.set("skipAwait", True)
    project.set("checks", {"protectedapi": {"enabled": False}})
    project.set("kubernetes:kubeconfig", str(KUBECONFIG))
    project.set_secret("secret_api_key", DEMO_SECRET)
    return project


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EngineProject, str]]:
    namespace = f"of-{uuid.uuid4().hex[:8]}"
    project = kube_project(tmp_path_factory.mktemp("kube"), namespace)
    project.preview()
    project.up()
    yield project, namespace
    project.destroy()
    project.stack.workspace.remove_stack(project.stack.name)


def test_up_creates_the_secret_named_for_dns_keyed_by_the_openfaas_name(
    deployed: tuple[EngineProject, str],
) -> None:
    _, namespace = deployed
    secret = kubectl("get", "secret", "secret-api-key", "-n", namespace)
    assert secret["type"] == "Opaque"
    assert secret["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "openfaas"}
    assert list(secret["data"]) == ["secret_api_key"]


def test_up_creates_the_deployment_with_the_projected_secret_volume(
    deployed: tuple[EngineProject, str],
) -> None:
    _, namespace = deployed
    deployment = kubectl("get", "deployment", "protectedapi", "-n", namespace)
    pod = deployment["spec"]["template"]["spec"]
    [volume] = pod["volumes"]
    assert volume["projected"]["sources"] == [
        {"secret": {"name": "secret-api-key", "items": [{"key": "secret_api_key", "path": "secret_api_key"}]}}
    ]
    [mount] = pod["containers"][0]["volumeMounts"]
    assert (mount["mountPath"], mount["readOnly"]) == ("/var/openfaas/secrets", True)
    assert deployment["metadata"]["labels"] == {"faas_function": "protectedapi"}


def test_up_creates_the_service_on_port_8080(deployed: tuple[EngineProject, str]) -> None:
    _, namespace = deployed
    service = kubectl("get", "service", "protectedapi", "-n", namespace)
    assert service["spec"]["selector"] == {"faas_function": "protectedapi"}
    assert [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [(8080, 8080)]


def test_a_second_preview_shows_no_changes(deployed: tuple[EngineProject, str]) -> None:
    project, _ = deployed
    preview = project.preview()
    assert set(preview.change_summary) == {"same"}, preview.stdout


def replica_sets(namespace: str) -> list[str]:
    items = kubectl("get", "replicasets", "-n", namespace, "-l", "faas_function=protectedapi")["items"]
    return sorted(item["metadata"]["name"] for item in items)


def test_rotating_the_secret_updates_in_place_and_rolls_the_pods(deployed: tuple[EngineProject, str]) -> None:
    project, namespace = deployed
    before = kubectl("get", "deployment", "protectedapi", "-n", namespace)
    uid = kubectl("get", "secret", "secret-api-key", "-n", namespace)["metadata"]["uid"]
    project.set_secret("secret_api_key", ROTATED)
    result = project.up()
    changes = cast(dict[str, int], result.summary.resource_changes or {})
    assert set(changes) == {"same", "update"}, result.stdout
    assert changes["update"] == 2, result.stdout  # the Secret and the Deployment's pod template
    after = kubectl("get", "deployment", "protectedapi", "-n", namespace)
    assert after["metadata"]["uid"] == before["metadata"]["uid"]
    assert kubectl("get", "secret", "secret-api-key", "-n", namespace)["metadata"]["uid"] == uid
    annotation = "openfaas-stack/secrets-checksum"
    old, new = (d["spec"]["template"]["metadata"]["annotations"][annotation] for d in (before, after))
    assert old != new
    deadline = time.monotonic() + 30
    while len(replica_sets(namespace)) < 2 and time.monotonic() < deadline:
        time.sleep(1)
    assert len(replica_sets(namespace)) == 2


def test_no_secret_value_is_in_state_config_or_output(deployed: tuple[EngineProject, str]) -> None:
    project, _ = deployed
    state = project.exported_state()
    for value in (DEMO_SECRET, ROTATED):
        assert value not in state
        assert project.files_containing(value) == []
        assert [text for text in project.outputs if value in text] == []


def test_destroy_leaves_nothing_behind(deployed: tuple[EngineProject, str]) -> None:
    project, namespace = deployed
    project.destroy()
    namespaces = [n["metadata"]["name"] for n in kubectl("get", "namespaces")["items"]]
    if namespace in namespaces:  # the namespace controller may still be finalizing it
        assert kubectl("get", "all,secrets", "-n", namespace)["items"] == []


def test_an_unreachable_cluster_stops_the_preview_with_a_connection_message(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "nowhere.yaml"
    kubeconfig.write_text(
        re.sub(r"server: https://127\.0\.0\.1:\d+", "server: https://127.0.0.1:1", KUBECONFIG.read_text())
    )
    project = kube_project(tmp_path / "unreachable", "openfaas-fn")
    project.set("kubernetes:kubeconfig", str(kubeconfig))
    with pytest.raises(auto.CommandError) as caught:
        project.preview()
    message = str(caught.value)
    assert (
        f"cannot reach the Kubernetes API server https://127.0.0.1:1 (from {kubeconfig}): connection refused"
        in message
    )
    assert "Traceback" not in message
    project.stack.workspace.remove_stack(project.stack.name, force=True)


def test_an_existing_secret_is_adopted_with_import_not_recreated(tmp_path: Path) -> None:
    namespace = f"of-adopt-{uuid.uuid4().hex[:6]}"
    manifest = tmp_path / "existing.json"
    encoded = base64.b64encode(DEMO_SECRET.encode()).decode()
    manifest.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "List",
                "items": [
                    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
                    {
                        "apiVersion": "v1",
                        "kind": "Secret",
                        "type": "Opaque",
                        "metadata": {
                            "name": "secret-api-key",
                            "namespace": namespace,
                            "labels": {"app.kubernetes.io/managed-by": "openfaas"},
                        },
                        "data": {"secret_api_key": encoded},
                    },
                ],
            }
        )
    )
    kubectl("create", "-f", str(manifest), output="name")
    uid = kubectl("get", "secret", "secret-api-key", "-n", namespace)["metadata"]["uid"]
    project = kube_project(tmp_path / "adopt", namespace)
    project.set("createNamespaces", False)
    project.set("adoptSecrets", ["secret_api_key"])
    try:
        result = project.up()
        changes = cast(dict[str, int], result.summary.resource_changes or {})
        assert changes.get("import") == 1, result.stdout
        assert kubectl("get", "secret", "secret-api-key", "-n", namespace)["metadata"]["uid"] == uid
        assert set(project.preview().change_summary) == {"same"}
        project.destroy()
    finally:
        project.stack.workspace.remove_stack(project.stack.name, force=True)
        kubectl("delete", "namespace", namespace, "--wait=false", output="name")
