"""Existing stacks upgrade without disruption, on the real engine and the real node or Swarm.

Each test runs `up` with the program of a pinned commit, switches the project to a later program
and previews, as a user pulling a new version would:
- `BEFORE_STAGES` -> `STAGES` (the code moved into stage packages, behaviour unchanged): every
  resource `same`, on both targets; the pickled providers in the old state are the recorded ones.
- `STAGES` -> this work tree (readiness decided by the project): only in-place updates (the
  `pulumi.com/skipAwait` annotations; on Swarm the services' `convergeConfig` removed) and the new
  `Readiness` (`SwarmReadiness`) resource; after `up` the pods (tasks) are the same ones and a
  preview is all `same`.
"""

from __future__ import annotations

import json
import uuid

import pytest

from tests.engine.harness import (
    EngineProject,
    docker_json,
    install_program,
    new_project,
    require_commits,
    require_toolchain,
    run,
    steps,
    summary,
    swarm_lock,
)
from tests.engine.kube_support import delete_namespace, kube_project, kubectl, unique_namespace
from tests.support.pickled_providers import RECORDED

pytestmark = pytest.mark.engine
# the last commit before the stage packages, and the stage packages before readiness
BEFORE_STAGES = "54dbec014a41b113bbd50dd2b72671e51ff68032"
STAGES = "9e3f8a9e79fc5a90d53235dedf084362daf1c329"
IMAGE = "functions/api-key-protected:latest"
READINESS = "pulumi-python:dynamic/openfaas:Readiness"
SWARM_READINESS = "pulumi-python:dynamic/openfaas:SwarmReadiness"
SECRET_SIG = "4dabf18193072939515e22adb298388d"  # marks a secret value in exported state


def pickled_providers(project: EngineProject) -> set[str]:
    """Every dynamic provider the stack's state holds, as `pulumi.dynamic` serialized it (a
    resource with secret inputs keeps it in a secret envelope, its JSON in `plaintext`)."""
    resources = (project.stack.export_stack().deployment or {}).get("resources", [])
    found = set()
    for resource in resources:
        value = (resource.get("inputs") or {}).get("__provider")
        if isinstance(value, dict) and SECRET_SIG in value:
            value = json.loads(value["plaintext"])
        if value is not None:
            found.add(str(value))
    return found


def changes(project: EngineProject) -> list[tuple[str, str, str]]:
    """(type, name, operation) of each step of a preview that is not `same` (providers aside)."""
    return sorted(
        (urn.split("::")[2].rsplit("$", 1)[-1], urn.split("::")[-1], op)
        for urn, op in steps(project).items()
        if op != "same" and "::pulumi:providers:" not in urn
    )


def pod_uids(namespace: str, function: str) -> list[str]:
    pods = kubectl("get", "pods", "-n", namespace, "-l", f"faas_function={function}")["items"]
    return sorted(pod["metadata"]["uid"] for pod in pods)


@pytest.mark.kube
def test_a_kubernetes_stack_keeps_its_resources_and_pods_through_both_upgrades(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    require_commits(BEFORE_STAGES, STAGES)
    namespace = unique_namespace("upgrade")
    project = kube_project(tmp_path_factory.mktemp("upgrade-kube"), namespace)
    install_program(project.workdir, BEFORE_STAGES)
    project.set_secret("secret_api_key", f"Kv{uuid.uuid4().hex[:12]}")
    try:
        project.up()  # real pods, checked through the API server
        deployment = kubectl("get", "deployment", "protectedapi", "-n", namespace)["metadata"]["uid"]
        pods = pod_uids(namespace, "protectedapi")
        recorded = {
            RECORDED[path][0]
            for path in (
                "components.invoke_check.InvokeCheckProvider",
                "components.rollout_checksum._ChecksumKeyProvider",
            )
        }
        assert pickled_providers(project) == recorded

        install_program(project.workdir, STAGES)
        # the stack, the provider, its component, the function's component, the checksum key, the
        # namespace, the secret, the Deployment, the Service and the check
        assert summary(project) == {"same": 10}, project.outputs[-2]

        install_program(project.workdir)
        # annotations only (`pulumi.com/skipAwait`): in place, the pod template untouched
        assert changes(project) == [
            ("kubernetes:apps/v1:Deployment", f"{namespace}/protectedapi", "update"),
            ("kubernetes:core/v1:Service", f"{namespace}/protectedapi", "update"),
            (READINESS, "readiness", "create"),
        ], project.outputs[-2]
        project.up()
        assert kubectl("get", "deployment", "protectedapi", "-n", namespace)["metadata"]["uid"] == deployment
        assert pod_uids(namespace, "protectedapi") == pods
        assert set(project.preview().change_summary) == {"same"}, project.outputs[-2]
    finally:
        project.destroy()
        project.stack.workspace.remove_stack(project.stack.name)
        delete_namespace(namespace)


@pytest.mark.swarm
def test_a_swarm_stack_keeps_every_resource_through_both_upgrades(
    tmp_path_factory: pytest.TempPathFactory, gateway: str
) -> None:
    require_toolchain()
    require_commits(BEFORE_STAGES, STAGES)
    name, secret = f"upgrade{uuid.uuid4().hex[:6]}", f"upgrade_{uuid.uuid4().hex[:6]}"
    with swarm_lock():
        project = new_project(tmp_path_factory.mktemp("upgrade-swarm"), "upgrade", ref=BEFORE_STAGES)
        (project.workdir / "stack.yaml").write_text(
            f"provider:\n  name: openfaas\n  gateway: {gateway}\nfunctions:\n"
            f"  {name}:\n    image: {IMAGE}\n    secrets:\n      - {secret}\n"
        )
        project.set("target", "swarm")
        project.set_secret(secret, f"Sv{uuid.uuid4().hex[:12]}")
        try:
            project.up()
            service = docker_json("service", "inspect", name)[0]["ID"]
            tasks = run("docker", "service", "ps", "-q", name).split()
            # the stack, its component, the function's component, the checksum key, the secret,
            # the service and the check
            install_program(project.workdir, STAGES)
            assert summary(project) == {"same": 7}, project.outputs[-2]
            install_program(project.workdir)
            # the provider's wait (`convergeConfig`) gives way to the project's: in place
            assert changes(project) == [
                ("docker:index/service:Service", name, "update"),
                (SWARM_READINESS, "readiness", "create"),
            ], project.outputs[-2]
            project.up()
            assert docker_json("service", "inspect", name)[0]["ID"] == service
            assert run("docker", "service", "ps", "-q", name).split() == tasks  # no task restarted
            assert summary(project) == {"same": 8}, project.outputs[-2]
        finally:
            project.destroy()
            project.stack.workspace.remove_stack(project.stack.name)
