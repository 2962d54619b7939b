"""An existing stack keeps every resource when the program moves to one component per function.

Each test runs `up` with the program as it was before `OpenFaaSFunction` existed (its files at
git commit `OLD_LAYOUT`, where every workload and check sat directly under the stack component),
switches the project to this work tree's program and previews: the aliases map each old URN to
its new place, so the only steps that are not `same` are the creation of the new per-function
components, which exist only in Pulumi's state. After `up` a preview is all `same`.
"""

from __future__ import annotations

import uuid

import pytest
from pulumi.automation import OpType

from tests.engine.harness import (
    EngineProject,
    docker_json,
    install_program,
    new_project,
    not_same,
    require_commits,
    require_toolchain,
    run,
    steps,
    summary,
    swarm_lock,
)
from tests.engine.kube_support import delete_namespace, kube_project, kubectl, unique_namespace

pytestmark = pytest.mark.engine
# the program as users ran it before this work: the last commit that landed
OLD_LAYOUT = "b07f3f3584b10089ff32bcaf630e5ad232f517ec"
FUNCTION_TYPE = "openfaas-stack:index:OpenFaaSFunction"
IMAGE = "functions/api-key-protected:latest"


def assert_moves_without_changes(
    project: EngineProject, functions: dict[str, str], *, same: int, children: int
) -> None:
    """Old state, new program: only the components of `functions` (function -> resource name) are
    created, `same` resources (all that existed) stay as they are, `children` of them per function
    now under its component."""
    install_program(project.workdir)
    assert summary(project) == {"same": same, "create": len(functions)}, project.outputs[-2]
    moved = steps(project)
    assert not_same(moved) == dict.fromkeys(functions.values(), "create"), project.outputs[-2]
    created = sorted(urn for urn, op in moved.items() if op == OpType.CREATE.value)
    assert [urn.rsplit("::", 2)[1].rsplit("$", 1)[-1] for urn in created] == [FUNCTION_TYPE] * len(functions)
    grouped = [urn for urn in moved if f"{FUNCTION_TYPE}$" in urn]
    assert len(grouped) == children * len(functions), moved
    project.up()
    assert set(project.preview().change_summary) == {"same"}, project.outputs[-2]


@pytest.mark.swarm
def test_a_swarm_stack_of_the_old_layout_moves_without_changes(
    tmp_path_factory: pytest.TempPathFactory, gateway: str
) -> None:
    require_toolchain()
    require_commits(OLD_LAYOUT)
    prefix = f"alias{uuid.uuid4().hex[:6]}"
    alpha, beta, secret = f"{prefix}-alpha", f"{prefix}-beta", f"{prefix}_key"
    with swarm_lock():
        project = new_project(tmp_path_factory.mktemp("aliases-swarm"), "aliases", ref=OLD_LAYOUT)
        (project.workdir / "stack.yaml").write_text(
            "provider:\n  name: openfaas\n"
            f"  gateway: {gateway}\n"
            "functions:\n"
            f"  {alpha}:\n    image: {IMAGE}\n    secrets:\n      - {secret}\n"
            f"  {beta}:\n    image: {IMAGE}\n"
        )
        project.set("target", "swarm")
        project.set("swarmConvergeTimeout", "0")  # the layout alone: no wait in either program
        project.set_secret(secret, f"Av{uuid.uuid4().hex[:12]}")
        try:
            project.up()
            before = {name: docker_json("service", "inspect", name)[0]["ID"] for name in (alpha, beta)}
            secrets_before = run("docker", "secret", "ls", "-q", "--filter", f"name={secret}").split()
            # the stack, its component, the checksum key, the secret, and two services and checks
            assert_moves_without_changes(project, {alpha: alpha, beta: beta}, same=8, children=2)
            after = {name: docker_json("service", "inspect", name)[0]["ID"] for name in (alpha, beta)}
            assert after == before
            assert run("docker", "secret", "ls", "-q", "--filter", f"name={secret}").split() == secrets_before
        finally:
            project.destroy()
            project.stack.workspace.remove_stack(project.stack.name)


@pytest.mark.kube
def test_a_kubernetes_stack_of_the_old_layout_moves_without_changes(
    tmp_path_factory: pytest.TempPathFactory, gateway: str
) -> None:
    require_commits(OLD_LAYOUT)
    namespace = unique_namespace("alias")
    project = kube_project(tmp_path_factory.mktemp("aliases-kube"), namespace, check=False)
    install_program(project.workdir, OLD_LAYOUT)
    project.stack.remove_config("checks")  # every function gets the default check, via `gateway`
    project.stack.remove_config("imagePullPolicy")  # the old program had none (skipAwait: no pod runs)
    project.set("gateway", gateway)
    project.set("skipAwait", True)
    project.set_secret("secret_api_key", f"Kv{uuid.uuid4().hex[:12]}")
    try:
        project.up()
        uid = kubectl("get", "deployment", "protectedapi", "-n", namespace)["metadata"]["uid"]
        # the stack, the provider, its component, the checksum key, the namespace, the secret, the
        # Deployment, the Service and the check
        assert_moves_without_changes(
            project, {"protectedapi": f"{namespace}/protectedapi"}, same=9, children=3
        )
        assert kubectl("get", "deployment", "protectedapi", "-n", namespace)["metadata"]["uid"] == uid
    finally:
        project.destroy()
        project.stack.workspace.remove_stack(project.stack.name)
        delete_namespace(namespace)
