"""The whole program, run through `__main__.py` under Pulumi's mocks with the example stack file."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc

from tests.support.mocks import DEMO_SECRET, ROOT, RecordingMocks, run_program


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "stack.yaml", tmp_path / "stack.yaml")
    return tmp_path


def run(workdir: Path, target: str, value: str = DEMO_SECRET, **config: Any) -> RecordingMocks:
    return run_program(workdir, config={"target": target, **config}, secrets={"secret_api_key": value})


def plain_text_leaks(value: Any, needle: str, path: str = "") -> list[str]:
    """Paths in registered inputs where `needle` appears outside a secret wrapper."""
    if rpc.is_rpc_secret(value):
        return []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in plain_text_leaks(v, needle, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in plain_text_leaks(v, needle, f"{path}[{i}]")]
    return [path] if isinstance(value, str) and needle in value else []


def test_the_leak_search_finds_a_plain_value() -> None:
    assert plain_text_leaks({"a": [{"b": f"x{DEMO_SECRET}"}]}, DEMO_SECRET) == [".a[0].b"]


# -- Kubernetes ------------------------------------------------------------------------------


def test_kubernetes_secret_is_named_for_dns_and_keyed_by_the_openfaas_name(workdir: Path) -> None:
    secret = run(workdir, "kubernetes").of_type("kubernetes:core/v1:Secret")["openfaas-fn/secret_api_key"]
    assert rpc.is_rpc_secret(secret.inputs["data"])
    assert secret.plain() == {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": "secret-api-key",
            "namespace": "openfaas-fn",
            "labels": {"app.kubernetes.io/managed-by": "openfaas"},
        },
        "data": {"secret_api_key": base64.b64encode(DEMO_SECRET.encode()).decode()},
    }


def test_kubernetes_deployment_mounts_the_secret_as_faas_netes_does(workdir: Path) -> None:
    deployment = run(workdir, "kubernetes").of_type("kubernetes:apps/v1:Deployment")[
        "openfaas-fn/protectedapi"
    ]
    spec = deployment.plain()["spec"]
    pod = spec["template"]["spec"]
    assert deployment.plain()["metadata"]["labels"] == {"faas_function": "protectedapi"}
    assert spec["selector"] == {"matchLabels": {"faas_function": "protectedapi"}}
    assert pod["volumes"] == [
        {
            "name": "protectedapi-projected-secrets",
            "projected": {
                "sources": [
                    {
                        "secret": {
                            "name": "secret-api-key",
                            "items": [{"key": "secret_api_key", "path": "secret_api_key"}],
                        }
                    }
                ]
            },
        }
    ]
    container = pod["containers"][0]
    assert container["volumeMounts"] == [
        {"name": "protectedapi-projected-secrets", "mountPath": "/var/openfaas/secrets", "readOnly": True}
    ]
    assert container["image"] == "functions/api-key-protected:latest"
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert container["readinessProbe"]["httpGet"] == {"path": "/_/health", "port": 8080}


def test_kubernetes_service_exposes_port_8080_to_the_function(workdir: Path) -> None:
    service = run(workdir, "kubernetes").of_type("kubernetes:core/v1:Service")["openfaas-fn/protectedapi"]
    assert service.plain()["spec"] == {
        "type": "ClusterIP",
        "selector": {"faas_function": "protectedapi"},
        "ports": [{"name": "http", "port": 8080, "targetPort": 8080, "protocol": "TCP"}],
    }


def checksum(mocks: RecordingMocks) -> str:
    deployment = mocks.of_type("kubernetes:apps/v1:Deployment")["openfaas-fn/protectedapi"]
    value: str = deployment.plain()["spec"]["template"]["metadata"]["annotations"][
        "openfaas-stack/secrets-checksum"
    ]
    return value


def test_a_changed_secret_value_changes_the_pod_template_checksum(workdir: Path) -> None:
    assert checksum(run(workdir, "kubernetes")) != checksum(run(workdir, "kubernetes", value="rotated"))


def test_the_checksum_is_keyed_not_a_bare_hash_of_the_value(workdir: Path) -> None:
    digest = checksum(run(workdir, "kubernetes"))
    assert digest not in {
        hashlib.sha256(DEMO_SECRET.encode()).hexdigest(),
        hashlib.sha256(json.dumps({"secret_api_key": DEMO_SECRET}).encode()).hexdigest(),
    }
    assert len(digest) == 64


READINESS = "pulumi-python:dynamic/openfaas:Readiness"


def test_the_project_waits_for_the_deployments_not_the_providers_await(workdir: Path) -> None:
    mocks = run(workdir, "kubernetes")
    for kind in ("kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service"):
        plain = mocks.of_type(kind)["openfaas-fn/protectedapi"].plain()
        assert plain["metadata"]["annotations"]["pulumi.com/skipAwait"] == "true"
    readiness = mocks.of_type(READINESS)["readiness"].plain()
    assert [(r["namespace"], r["name"]) for r in readiness["rollouts"]] == [("openfaas-fn", "protectedapi")]
    assert readiness["timeout_seconds"] == 300


def test_an_adopted_functions_objects_overwrite_faas_netes_changes_and_others_do_not(workdir: Path) -> None:
    adopted = run(workdir, "kubernetes", adoptFunctions="all")
    plain = run(workdir, "kubernetes")
    for kind in ("kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service"):
        annotations = adopted.of_type(kind)["openfaas-fn/protectedapi"].plain()["metadata"]["annotations"]
        assert annotations["pulumi.com/patchForce"] == "true"
        annotations = plain.of_type(kind)["openfaas-fn/protectedapi"].plain()["metadata"]["annotations"]
        assert "pulumi.com/patchForce" not in annotations
    # no kubeconfig here: nothing to import, and the user is told
    assert adopted.warnings == [
        "Pulumi.dev.yaml: config 'adoptFunctions' has no cluster to read (no kubeconfig): the functions "
        "are created, not adopted"
    ]


def test_skip_await_waits_for_nothing(workdir: Path) -> None:
    configured = run(workdir, "kubernetes", skipAwait="true")
    annotations = configured.of_type("kubernetes:apps/v1:Deployment")["openfaas-fn/protectedapi"].plain()[
        "metadata"
    ]["annotations"]
    assert annotations["pulumi.com/skipAwait"] == "true"
    assert configured.of_type(READINESS) == {}


def test_function_crd_mode_emits_an_openfaas_function_instead_of_a_deployment(workdir: Path) -> None:
    mocks = run(workdir, "kubernetes", kubernetesWorkload="function-crd")
    assert mocks.of_type("kubernetes:apps/v1:Deployment") == {}
    function = mocks.of_type("kubernetes:openfaas.com/v1:Function")["openfaas-fn/protectedapi"].plain()
    assert function["spec"]["secrets"] == ["secret-api-key"]
    assert function["spec"]["image"] == "functions/api-key-protected:latest"


def test_the_kubernetes_provider_updates_secrets_in_place(workdir: Path) -> None:
    provider = run(workdir, "kubernetes").of_type("pulumi:providers:kubernetes")["kubernetes"]
    assert provider.plain()["enableSecretMutable"] == "true"


KUBE_TOKEN = "kube-token-3e2d1c0b"
CHECK = "pulumi-python:dynamic/openfaas:InvokeCheck"


@pytest.fixture
def api_server() -> Iterator[str]:
    """A listening socket standing for the API server, so the reachability preflight passes."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield f"https://127.0.0.1:{server.getsockname()[1]}"


def kubeconfig_text(server: str) -> str:
    """A kubeconfig with a token, starting with a comment (as a hand-edited one may)."""
    return (
        "# the lab cluster\n"
        f"clusters: [{{name: c, cluster: {{server: '{server}'}}}}]\n"
        f"users: [{{name: u, user: {{token: {KUBE_TOKEN}}}}}]\n"
        "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
        "current-context: x\n"
    )


def plain_leaks(mocks: RecordingMocks, needle: str) -> list[str]:
    """Where `needle` is in any registered input outside a secret wrapper."""
    return [f"{r.name}{p}" for r in mocks.registered for p in plain_text_leaks(dict(r.inputs), needle)]


@pytest.mark.parametrize("as_secret", [True, False], ids=["secret-config", "plain-config"])
def test_a_kubeconfigs_content_reaches_the_provider_only_as_a_secret(
    workdir: Path, api_server: str, as_secret: bool
) -> None:
    kube = {"kubernetes:kubeconfig": kubeconfig_text(api_server)}
    mocks = run_program(
        workdir,
        config={"target": "kubernetes", "checkVia": "gateway", **({} if as_secret else kube)},
        secrets={"secret_api_key": DEMO_SECRET},
        secret_config=kube if as_secret else None,
    )
    provider = mocks.of_type("pulumi:providers:kubernetes")["kubernetes"]
    assert rpc.is_rpc_secret(provider.inputs["kubeconfig"])
    assert provider.plain()["kubeconfig"] == kube["kubernetes:kubeconfig"]
    assert plain_leaks(mocks, KUBE_TOKEN) == []


def test_a_kubeconfig_path_and_context_set_as_secrets_stay_secret_in_the_provider_and_the_checks(
    workdir: Path, api_server: str
) -> None:
    path = workdir / "lab-kubeconfig-7f6e"
    path.write_text(kubeconfig_text(api_server))
    mocks = run_program(
        workdir,
        # the stand-in API server accepts connections and answers nothing: nothing to detect
        config={"target": "kubernetes", "openfaasEdition": "none"},
        secrets={"secret_api_key": DEMO_SECRET},
        secret_config={"kubernetes:kubeconfig": str(path), "kubernetes:context": "x"},
    )
    provider = mocks.of_type("pulumi:providers:kubernetes")["kubernetes"]
    [check] = mocks.of_type(CHECK).values()
    sent = [provider.inputs[k] for k in ("kubeconfig", "context")] + [
        check.inputs[k] for k in ("kubeconfig", "kube_context")
    ]
    assert [rpc.is_rpc_secret(value) for value in sent] == [True] * 4
    assert (check.plain()["kubeconfig"], check.plain()["kube_context"]) == (str(path), "x")
    assert plain_leaks(mocks, "lab-kubeconfig-7f6e") == []


def test_a_kubeconfig_path_in_plain_config_is_passed_as_it_is(workdir: Path, api_server: str) -> None:
    path = workdir / "kubeconfig"
    path.write_text(kubeconfig_text(api_server))
    mocks = run(workdir, "kubernetes", **{"kubernetes:kubeconfig": str(path), "openfaasEdition": "none"})
    [check] = mocks.of_type(CHECK).values()
    assert mocks.of_type("pulumi:providers:kubernetes")["kubernetes"].inputs["kubeconfig"] == str(path)
    assert check.inputs["kubeconfig"] == str(path)


# -- Swarm -----------------------------------------------------------------------------------


def test_swarm_secret_is_left_for_the_provider_to_name_so_a_new_value_replaces_it_create_first(
    workdir: Path,
) -> None:
    secret = run(workdir, "swarm").of_type("docker:index/secret:Secret")["secret_api_key"]
    plain = secret.plain()
    assert rpc.is_rpc_secret(secret.inputs["data"])
    assert base64.b64decode(plain["data"]).decode() == DEMO_SECRET
    assert "name" not in plain
    assert plain["labels"] == [{"label": "com.openfaas.owner", "value": "openfaas"}]


def test_swarm_service_mounts_the_secret_where_openfaas_functions_read_it(workdir: Path) -> None:
    service = run(workdir, "swarm").of_type("docker:index/service:Service")["protectedapi"].plain()
    container = service["taskSpec"]["containerSpec"]
    assert service["name"] == "protectedapi"
    assert container["image"] == "functions/api-key-protected:latest"
    assert container["secrets"] == [
        {
            "secretId": "secret_api_key-id",
            "fileName": "/var/openfaas/secrets/secret_api_key",
            "fileUid": "0",
            "fileGid": "0",
            "fileMode": 0o444,
        }
    ]
    assert service["taskSpec"]["placement"] == {"constraints": ["node.platform.os == linux"]}
    assert {"label": "com.openfaas.function", "value": "protectedapi"} in service["labels"]
    assert {"label": "function", "value": "true"} in service["labels"]


def test_swarm_publishes_a_host_port_only_when_configured(workdir: Path) -> None:
    plain = run(workdir, "swarm").of_type("docker:index/service:Service")["protectedapi"].plain()
    assert "endpointSpec" not in plain
    published = run(workdir, "swarm", publishedPorts={"protectedapi": 8081})
    assert published.of_type("docker:index/service:Service")["protectedapi"].plain()["endpointSpec"] == {
        "ports": [{"targetPort": 8080, "publishedPort": 8081, "publishMode": "host"}]
    }


# -- Both targets ----------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["kubernetes", "swarm"])
def test_the_secret_value_reaches_resources_only_as_a_secret(workdir: Path, target: str) -> None:
    mocks = run(workdir, target)
    encoded = base64.b64encode(DEMO_SECRET.encode()).decode()
    leaks = {
        r.name: plain_text_leaks(dict(r.inputs), DEMO_SECRET) + plain_text_leaks(dict(r.inputs), encoded)
        for r in mocks.registered
    }
    assert {name: paths for name, paths in leaks.items() if paths} == {}


@pytest.mark.parametrize("target", ["kubernetes", "swarm"])
def test_a_missing_secret_stops_the_program_before_any_resource(workdir: Path, target: str) -> None:
    with pytest.raises(pulumi.RunError) as caught:
        run_program(workdir, config={"target": target}, secrets={})
    assert str(caught.value) == (
        f"{workdir / 'stack.yaml'}:6: function 'protectedapi' needs secret 'secret_api_key', which is not "
        "set: run `pulumi config set --secret --path 'secrets.secret_api_key' <value>`"
    )


def test_secrets_stored_in_plain_text_are_refused(workdir: Path) -> None:
    with pytest.raises(pulumi.RunError, match=r"config 'secrets' is stored in plain text"):
        run_program(workdir, config={"target": "swarm", "secrets": {"secret_api_key": "x"}})


def test_an_unknown_target_is_refused_with_the_fix(workdir: Path) -> None:
    with pytest.raises(
        pulumi.RunError, match=r"config 'target' is 'nomad'; it must be one of kubernetes, swarm"
    ):
        run(workdir, "nomad")


SWARM_READINESS = "pulumi-python:dynamic/openfaas:SwarmReadiness"


def test_swarm_services_are_waited_for_by_the_project_through_the_docker_socket(workdir: Path) -> None:
    mocks = run(workdir, "swarm")
    assert "convergeConfig" not in mocks.of_type("docker:index/service:Service")["protectedapi"].plain()
    readiness = mocks.of_type(SWARM_READINESS)["readiness"].plain()
    assert [s["name"] for s in readiness["services"]] == ["protectedapi"]
    assert (readiness["timeout_seconds"], readiness["socket"]) == (120, "/var/run/docker.sock")


def test_a_daemon_over_tcp_leaves_the_wait_to_the_provider_and_zero_waits_for_nothing(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.0.0.5:2376")
    tcp = run(workdir, "swarm")
    assert tcp.of_type("docker:index/service:Service")["protectedapi"].plain()["convergeConfig"] == {
        "delay": "1s",
        "timeout": "2m",
    }
    assert tcp.of_type(SWARM_READINESS) == {}
    monkeypatch.delenv("DOCKER_HOST")
    off = run(workdir, "swarm", swarmConvergeTimeout="0")
    assert "convergeConfig" not in off.of_type("docker:index/service:Service")["protectedapi"].plain()
    assert off.of_type(SWARM_READINESS) == {}


def test_a_converge_timeout_that_is_not_a_duration_is_refused(workdir: Path) -> None:
    with pytest.raises(pulumi.RunError, match=r"config 'swarmConvergeTimeout' is 'soon': give a duration"):
        run(workdir, "swarm", swarmConvergeTimeout="soon")


@pytest.mark.parametrize(
    ("target", "name"), [("kubernetes", "openfaas-fn/protectedapi"), ("swarm", "protectedapi")]
)
def test_each_function_is_a_component_of_its_own(workdir: Path, target: str, name: str) -> None:
    mocks = run(workdir, target)
    assert list(mocks.of_type("openfaas-stack:index:OpenFaaSFunction")) == [name]


class NotReadyMocks(RecordingMocks):
    """The engine's answers when the readiness wait found a function that cannot start."""

    REASON = "function 'protectedapi' in namespace 'openfaas-fn' cannot start: its image is not on the node"

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        resource_id, state = super().new_resource(args)
        if args.typ == READINESS:
            state["failures"] = self.REASON
        return resource_id, state


def test_a_function_that_is_not_ready_fails_the_update_with_the_reason_alone_and_no_check(
    workdir: Path,
) -> None:
    mocks = NotReadyMocks()
    checks = {"protectedapi": {"expectStatus": 200}}
    with pytest.raises(pulumi.RunError) as failed:
        run_program(
            workdir,
            config={"target": "kubernetes", "checks": checks},
            secrets={"secret_api_key": DEMO_SECRET},
            mocks=mocks,
        )
    assert str(failed.value) == NotReadyMocks.REASON
    assert mocks.of_type("pulumi-python:dynamic/openfaas:InvokeCheck") == {}


def test_an_unreachable_api_server_is_named_without_a_kubeconfig_path_set_as_a_secret(workdir: Path) -> None:
    path = workdir / "lab-kubeconfig-secret-9d1c"
    path.write_text(kubeconfig_text("https://127.0.0.1:1"))
    with pytest.raises(pulumi.RunError) as caught:
        run_program(
            workdir,
            config={"target": "kubernetes"},
            secrets={"secret_api_key": DEMO_SECRET},
            secret_config={"kubernetes:kubeconfig": str(path)},
        )
    assert str(caught.value).startswith(
        "cannot reach the Kubernetes API server https://127.0.0.1:1 (from the kubernetes:kubeconfig "
        "config (a secret path, not shown)): connection refused"
    )
    assert "lab-kubeconfig-secret-9d1c" not in str(caught.value)
