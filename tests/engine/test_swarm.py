"""The example stack on the real engine and the local Docker Swarm (`make swarm`, `make sample`)."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.harness import EngineProject, docker_json, new_project, require_toolchain, run
from tests.mocks import DEMO_SECRET

pytestmark = pytest.mark.engine
FUNCTION = "protectedapi"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def our_secrets() -> list[dict[str, object]]:
    ids = run("docker", "secret", "ls", "-q", "--filter", "name=secret_api_key-").split()
    return docker_json("secret", "inspect", *ids) if ids else []


def remove_leftovers() -> None:
    """A function service of this name left by an interrupted run (or the demo) blocks the test."""
    run("docker", "service", "rm", FUNCTION, check=False)
    for secret in our_secrets():
        run("docker", "secret", "rm", str(secret["ID"]), check=False)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EngineProject, int]]:
    require_toolchain()
    remove_leftovers()
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
    [secret] = our_secrets()
    spec = secret["Spec"]
    assert isinstance(spec, dict)
    assert spec["Labels"] == {"com.openfaas.owner": "openfaas"}


def test_up_creates_the_service_mounting_the_secret_as_faas_swarm_did(
    deployed: tuple[EngineProject, int],
) -> None:
    [service] = docker_json("service", "inspect", FUNCTION)
    container = service["Spec"]["TaskTemplate"]["ContainerSpec"]
    [mount] = container["Secrets"]
    assert mount["File"] == {
        "Name": "/var/openfaas/secrets/secret_api_key",
        "UID": "0",
        "GID": "0",
        "Mode": 0o444,
    }
    assert mount["SecretName"].startswith("secret_api_key-")
    assert service["Spec"]["Labels"]["com.openfaas.function"] == FUNCTION
    assert service["Spec"]["TaskTemplate"]["Placement"]["Constraints"] == ["node.platform.os == linux"]


def test_the_running_function_reads_the_secret_value(deployed: tuple[EngineProject, int]) -> None:
    _, port = deployed
    unlocked = urllib.request.Request(
        f"http://127.0.0.1:{port}/", data=b"", headers={"X-Api-Key": DEMO_SECRET}
    )
    denied = urllib.request.Request(f"http://127.0.0.1:{port}/", data=b"", headers={"X-Api-Key": "wrong"})
    with urllib.request.urlopen(unlocked, timeout=10) as answer:
        assert answer.read().decode().strip() == "Unlocked the function!"
    with urllib.request.urlopen(denied, timeout=10) as answer:
        assert answer.read().decode().strip() == "Access denied!"


def test_the_invoke_check_ran_and_passed(deployed: tuple[EngineProject, int]) -> None:
    project, _ = deployed
    assert f"{FUNCTION}: " in "".join(project.outputs)
    state = project.exported_state()
    assert '"type": "pulumi-python:dynamic/openfaas:InvokeCheck"' in state


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
    project.destroy()
    assert run("docker", "service", "ls", "-q", "--filter", f"name={FUNCTION}").split() == []
    assert our_secrets() == []
