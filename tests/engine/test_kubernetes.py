"""The example stack on the real engine and the local single-node cluster (`make kube`).

The node runs the pods: `up` waits for the Deployment as Pulumi does on any cluster, and the
invoke check reaches the function through the API server's service proxy with the kubeconfig's
credentials (no gateway runs here).
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from pulumi import automation as auto

from tests.engine.harness import EngineProject
from tests.engine.kube_support import (
    KUBECONFIG,
    SAMPLE_IMAGE,
    call_function,
    delete_namespace,
    kube_project,
    kubectl,
    pods,
    unique_namespace,
)
from tests.support.faas_netes import faas_netes_secret
from tests.support.mocks import DEMO_SECRET

pytestmark = pytest.mark.engine
ROTATED = "Zx9!rotated-value-4711"
UNLOCKED, DENIED = "Unlocked the function!", "Access denied!"


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EngineProject, str]]:
    namespace = unique_namespace("of")
    project = kube_project(tmp_path_factory.mktemp("kube"), namespace)
    project.set_secret("secret_api_key", DEMO_SECRET)
    project.preview()
    project.up()
    yield project, namespace
    project.destroy()
    project.stack.workspace.remove_stack(project.stack.name)
    delete_namespace(namespace)


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


def test_up_returns_when_the_deployment_is_ready(deployed: tuple[EngineProject, str]) -> None:
    _, namespace = deployed
    status = kubectl("get", "deployment", "protectedapi", "-n", namespace)["status"]
    assert (status.get("readyReplicas"), status.get("updatedReplicas")) == (1, 1)
    [pod] = pods(namespace, "protectedapi")
    assert pod["status"]["phase"] == "Running"
    assert pod["spec"]["containers"][0]["image"] == SAMPLE_IMAGE


def test_up_creates_the_service_on_port_8080(deployed: tuple[EngineProject, str]) -> None:
    _, namespace = deployed
    service = kubectl("get", "service", "protectedapi", "-n", namespace)
    assert service["spec"]["selector"] == {"faas_function": "protectedapi"}
    assert [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [(8080, 8080)]


def test_the_invoke_check_passed_through_the_api_server(deployed: tuple[EngineProject, str]) -> None:
    project, namespace = deployed
    log = "\n".join(project.outputs)
    assert "protectedapi: HTTP 200 after" in log, log
    assert "protectedapi: without X-Api-Key: HTTP 200 with body 'Access denied!', refused as expected" in log
    [check] = [
        r
        for r in json.loads(project.exported_state())["deployment"]["resources"]
        if "InvokeCheck" in r["type"]
    ]
    assert check["outputs"]["url"] == (
        f"kubernetes-api:///api/v1/namespaces/{namespace}/services/protectedapi:8080/proxy/"
    )
    assert check["outputs"]["status"] == 200


def test_the_function_unlocks_with_the_secret_and_refuses_without_it(
    deployed: tuple[EngineProject, str],
) -> None:
    _, namespace = deployed
    assert call_function(namespace, "protectedapi", {"X-Api-Key": DEMO_SECRET}) == (200, UNLOCKED + "\n")
    assert call_function(namespace, "protectedapi") == (200, DENIED + "\n")


def test_a_second_preview_shows_no_changes(deployed: tuple[EngineProject, str]) -> None:
    project, _ = deployed
    preview = project.preview()
    assert set(preview.change_summary) == {"same"}, preview.stdout


def replica_sets(namespace: str) -> list[str]:
    items = kubectl("get", "replicasets", "-n", namespace, "-l", "faas_function=protectedapi")["items"]
    return sorted(item["metadata"]["name"] for item in items)


def test_rotating_the_secret_rolls_pods_that_take_the_new_value_and_refuse_the_old(
    deployed: tuple[EngineProject, str],
) -> None:
    project, namespace = deployed
    before = kubectl("get", "deployment", "protectedapi", "-n", namespace)
    uid = kubectl("get", "secret", "secret-api-key", "-n", namespace)["metadata"]["uid"]
    project.set_secret("secret_api_key", ROTATED)
    result = project.up()
    changes = cast(dict[str, int], result.summary.resource_changes or {})
    assert set(changes) == {"same", "update"}, result.stdout
    assert changes["update"] == 4, result.stdout  # the Secret, the pod template, the readiness, the check
    after = kubectl("get", "deployment", "protectedapi", "-n", namespace)
    assert after["metadata"]["uid"] == before["metadata"]["uid"]
    assert kubectl("get", "secret", "secret-api-key", "-n", namespace)["metadata"]["uid"] == uid
    annotation = "openfaas-stack/secrets-checksum"
    old, new = (d["spec"]["template"]["metadata"]["annotations"][annotation] for d in (before, after))
    assert old != new
    assert len(replica_sets(namespace)) == 2
    # `up` waited for the roll: the pods that answer now are the new ones
    assert call_function(namespace, "protectedapi", {"X-Api-Key": ROTATED}) == (200, UNLOCKED + "\n")
    assert call_function(namespace, "protectedapi", {"X-Api-Key": DEMO_SECRET}) == (200, DENIED + "\n")
    assert "protectedapi: HTTP 200 after" in result.stdout + result.stderr


def test_no_secret_value_is_in_state_config_or_output(deployed: tuple[EngineProject, str]) -> None:
    project, _ = deployed
    state = project.exported_state()
    for value in (DEMO_SECRET, ROTATED):
        for encoded in (value, base64.b64encode(value.encode()).decode()):
            assert encoded not in state
            assert project.files_containing(encoded) == []
            assert [text for text in project.outputs if encoded in text] == []


def test_destroy_leaves_nothing_behind(deployed: tuple[EngineProject, str]) -> None:
    project, namespace = deployed
    project.destroy()
    deadline = time.monotonic() + 60
    while pods(namespace, "protectedapi") and time.monotonic() < deadline:
        time.sleep(1)
    assert pods(namespace, "protectedapi") == []
    namespaces = [n["metadata"]["name"] for n in kubectl("get", "namespaces")["items"]]
    if namespace in namespaces:  # the namespace controller may still be finalizing it
        assert kubectl("get", "deployments,services,secrets", "-n", namespace)["items"] == []


# ---------------------------------------------------------------- functions that never get ready

BROKEN_STACKS = {
    "missing-image": (
        "functions/never-loaded:latest", {}, "ErrImageNeverPull"
    ),
    "crash-on-start": (
        SAMPLE_IMAGE, {"port": "not-a-port"}, "CrashLoopBackOff"
    ),  # its message adds "it exited with code <n>" and the last lines of its log
}  # fmt: skip


def write_stack(project: EngineProject, image: str, environment: dict[str, str]) -> None:
    env = "".join(f"      {k}: {json.dumps(v)}\n" for k, v in environment.items())
    (project.workdir / "stack.yaml").write_text(
        "provider:\n  name: openfaas\nfunctions:\n  protectedapi:\n"
        f"    image: {image}\n    secrets:\n      - secret_api_key\n"
        + (f"    environment:\n{env}" if env else "")
    )


@pytest.mark.parametrize("case", sorted(BROKEN_STACKS))
def test_a_function_that_never_gets_ready_fails_up_with_its_reason_then_recovers(
    case: str, tmp_path: Path
) -> None:
    image, environment, reason = BROKEN_STACKS[case]
    namespace = unique_namespace("of-broken")
    project = kube_project(tmp_path, namespace)
    project.stack.remove_config("kubernetesReadyTimeout")  # the default, 5 minutes: never reached
    project.set_secret("secret_api_key", DEMO_SECRET)
    write_stack(project, image, environment)
    try:
        started = time.monotonic()
        with pytest.raises(auto.CommandError) as caught:
            project.up()
        elapsed = time.monotonic() - started
        message = str(caught.value)
        assert f"function 'protectedapi' in namespace '{namespace}' cannot start" in message, message
        assert f"({reason})" in message, message
        assert elapsed < 30, f"up took {elapsed:.0f}s to fail"
        assert "Traceback" not in message, message
        write_stack(project, SAMPLE_IMAGE, {})
        result = project.up()
        assert "protectedapi: HTTP 200 after" in result.stdout + result.stderr
        assert set(project.preview().change_summary) == {"same"}
        assert call_function(namespace, "protectedapi", {"X-Api-Key": DEMO_SECRET})[1] == UNLOCKED + "\n"
        project.outputs.append(message)
        assert [text for text in project.outputs if DEMO_SECRET in text] == []
        project.destroy()
    finally:
        project.stack.workspace.remove_stack(project.stack.name, force=True)
        delete_namespace(namespace)


def test_up_waits_for_the_pods_when_the_check_is_disabled(tmp_path: Path) -> None:
    namespace = unique_namespace("of-nocheck")
    project = kube_project(tmp_path, namespace, check=False)
    project.set_secret("secret_api_key", DEMO_SECRET)
    try:
        result = project.up()
        status = kubectl("get", "deployment", "protectedapi", "-n", namespace)["status"]
        assert (status.get("readyReplicas"), status.get("updatedReplicas")) == (1, 1)
        assert "HTTP 200 after" not in result.stdout + result.stderr  # no check ran
        project.destroy()
    finally:
        project.stack.workspace.remove_stack(project.stack.name, force=True)
        delete_namespace(namespace)


def test_skip_await_returns_before_the_pods_are_ready(tmp_path: Path) -> None:
    namespace = unique_namespace("of-skip")
    project = kube_project(tmp_path, namespace, check=False)
    project.set("skipAwait", True)
    project.set_secret("secret_api_key", DEMO_SECRET)
    write_stack(project, "functions/never-loaded:latest", {})
    try:
        project.up()
        deployment = kubectl("get", "deployment", "protectedapi", "-n", namespace)
        assert deployment["status"].get("readyReplicas") is None
        project.destroy()
    finally:
        project.stack.workspace.remove_stack(project.stack.name, force=True)
        delete_namespace(namespace)


def test_an_unreachable_cluster_stops_the_preview_with_a_connection_message(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "nowhere.yaml"
    kubeconfig.write_text(
        re.sub(r"server: https://127\.0\.0\.1:\d+", "server: https://127.0.0.1:1", KUBECONFIG.read_text())
    )
    project = kube_project(tmp_path / "unreachable", "openfaas-fn", check=False)
    project.set_secret("secret_api_key", DEMO_SECRET)
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
    namespace = unique_namespace("of-adopt")
    manifest = tmp_path / "existing.json"
    manifest.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "List",
                "items": [
                    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
                    faas_netes_secret("secret-api-key", namespace, {"secret_api_key": DEMO_SECRET}),
                ],
            }
        )
    )
    kubectl("create", "-f", str(manifest), output="name")
    uid = kubectl("get", "secret", "secret-api-key", "-n", namespace)["metadata"]["uid"]
    project = kube_project(tmp_path / "adopt", namespace, check=False)
    project.set_secret("secret_api_key", DEMO_SECRET)
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


def test_function_crd_mode_creates_a_function_the_api_server_validates_against_the_crd(
    tmp_path: Path,
) -> None:
    namespace = unique_namespace("of-crd")
    project = kube_project(tmp_path, namespace, check=False)
    project.set("kubernetesWorkload", "function-crd")
    project.set("skipAwait", True)  # no OpenFaaS operator reports it Ready here
    project.set_secret("secret_api_key", DEMO_SECRET)
    try:
        project.up()
        function = kubectl("get", "functions.openfaas.com", "protectedapi", "-n", namespace)
        spec = function["spec"]
        assert {k: v for k, v in spec.items() if k != "annotations"} == {
            "name": "protectedapi",
            "image": SAMPLE_IMAGE,
            "secrets": ["secret-api-key"],
            "readOnlyRootFilesystem": False,
        }
        assert list(spec["annotations"]) == ["openfaas-stack/secrets-checksum"]
        assert set(project.preview().change_summary) == {"same"}
        project.destroy()
        assert kubectl("get", "functions.openfaas.com", "-n", namespace)["items"] == []
    finally:
        project.stack.workspace.remove_stack(project.stack.name, force=True)
        delete_namespace(namespace)


def test_function_crd_mode_sends_limits_in_the_shape_the_crd_schema_accepts(
    tmp_path: Path,
) -> None:
    namespace = unique_namespace("of-crd-bad")
    project = kube_project(tmp_path, namespace, check=False)
    project.set("kubernetesWorkload", "function-crd")
    project.set("skipAwait", True)  # no OpenFaaS operator reports it Ready here
    project.set_secret("secret_api_key", DEMO_SECRET)
    (project.workdir / "stack.yaml").write_text(
        "provider:\n  name: openfaas\nfunctions:\n  protectedapi:\n"
        f"    image: {SAMPLE_IMAGE}\n    secrets:\n      - secret_api_key\n"
        "    limits:\n      memory: 40Mi\n"
    )
    try:
        project.up()
        function = kubectl("get", "functions.openfaas.com", "protectedapi", "-n", namespace)
        assert function["spec"]["limits"] == {"memory": "40Mi"}
        project.destroy()
    finally:
        project.stack.workspace.remove_stack(project.stack.name, force=True)
        delete_namespace(namespace)
