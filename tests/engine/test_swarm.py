"""The example stack on the real engine and the local Docker Swarm (`make swarm`, `make sample`)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.engine.harness import (
    EngineProject,
    docker_json,
    free_port,
    new_project,
    require_toolchain,
    run,
    swarm_lock,
    task_file,
)
from tests.support.mocks import DEMO_SECRET

pytestmark = pytest.mark.engine
FUNCTION = "protectedapi"


def service() -> dict[str, Any]:
    [found] = docker_json("service", "inspect", FUNCTION)
    return found  # type: ignore[no-any-return]


def mounted_secret() -> dict[str, Any]:
    [mount] = service()["Spec"]["TaskTemplate"]["ContainerSpec"]["Secrets"]
    [secret] = docker_json("secret", "inspect", mount["SecretID"])
    return secret  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EngineProject, int]]:
    require_toolchain()
    with swarm_lock():
        # A service of this name left by an interrupted run (or the demo) would block the test.
        run("docker", "service", "rm", FUNCTION, check=False)
        project = new_project(tmp_path_factory.mktemp("swarm"), "swarm")
        port = free_port()
        project.set("target", "swarm")
        project.set_secret("secret_api_key", DEMO_SECRET)
        project.set("publishedPorts", {FUNCTION: port})
        project.set(
            "checks",
            {
                FUNCTION: {
                    "url": f"http://127.0.0.1:{port}/",
                    "headers": {"X-Api-Key": {"secret": "secret_api_key"}},
                    "expectStatus": 200,
                    "expectBody": "Unlocked the function!",
                    "refusedWithoutSecret": True,
                    "timeoutSeconds": 90,
                }
            },
        )
        project.preview()
        project.up()
        yield project, port
        project.destroy()
        project.stack.workspace.remove_stack(project.stack.name)


def test_up_creates_the_secret_with_the_openfaas_owner_label(deployed: tuple[EngineProject, int]) -> None:
    secret = mounted_secret()
    assert secret["Spec"]["Name"].startswith("secret_api_key-")
    assert secret["Spec"]["Labels"] == {"com.openfaas.owner": "openfaas"}


def test_up_creates_the_service_mounting_the_secret_as_faas_swarm_did(
    deployed: tuple[EngineProject, int],
) -> None:
    spec = service()["Spec"]
    [mount] = spec["TaskTemplate"]["ContainerSpec"]["Secrets"]
    assert mount["File"] == {
        "Name": "/var/openfaas/secrets/secret_api_key",
        "UID": "0",
        "GID": "0",
        "Mode": 0o444,
    }
    assert spec["Labels"]["com.openfaas.function"] == FUNCTION
    assert spec["Labels"]["function"] == "true"
    assert spec["TaskTemplate"]["Placement"]["Constraints"] == ["node.platform.os == linux"]


def test_the_task_sees_the_secret_file_byte_for_byte(deployed: tuple[EngineProject, int]) -> None:
    assert task_file(FUNCTION, "/var/openfaas/secrets/secret_api_key") == DEMO_SECRET.encode()


def test_the_running_function_unlocks_with_the_secret_only(deployed: tuple[EngineProject, int]) -> None:
    _, port = deployed

    def call(key: str) -> str:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", data=b"", headers={"X-Api-Key": key})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return str(answer.read().decode().strip())

    assert (call(DEMO_SECRET), call("wrong")) == ("Unlocked the function!", "Access denied!")


def test_the_invoke_check_ran_and_passed(deployed: tuple[EngineProject, int]) -> None:
    project, _ = deployed
    output = "".join(project.outputs)
    assert f"{FUNCTION}: HTTP 200 after" in output
    assert (
        f"{FUNCTION}: without X-Api-Key: HTTP 200 with body 'Access denied!', refused as expected" in output
    )


def test_a_second_preview_shows_no_changes(deployed: tuple[EngineProject, int]) -> None:
    project, _ = deployed
    preview = project.preview()
    assert set(preview.change_summary) == {"same"}, preview.stdout


def test_the_secret_value_is_nowhere_in_state_config_or_output(deployed: tuple[EngineProject, int]) -> None:
    project, _ = deployed
    assert DEMO_SECRET not in project.exported_state()
    assert project.files_containing(DEMO_SECRET) == []
    assert [text for text in project.outputs if DEMO_SECRET in text] == []
    config_file = Path(project.workdir) / f"Pulumi.{project.stack.name}.yaml"
    assert "secure:" in config_file.read_text()


def test_destroy_removes_every_secret_and_service(deployed: tuple[EngineProject, int]) -> None:
    project, _ = deployed
    secret_id = mounted_secret()["ID"]
    project.destroy()
    assert run("docker", "service", "ls", "-q", "--filter", f"name={FUNCTION}").split() == []
    assert secret_id not in run("docker", "secret", "ls", "-q").split()
