"""Secret lifecycle and the invoke check's failures, on the real engine and the local Swarm.

Each test deploys its own function (unique name and port) from a generated stack file, using the
sample image, which compares the X-Api-Key header with /var/openfaas/secrets/secret_api_key.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterator
from typing import Any, cast

import pytest
from pulumi import automation as auto

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

pytestmark = pytest.mark.engine
FIRST = "Lc7#first-value-0001"
SECOND = "Qm4$second-value-0002"
BINARY = bytes(range(256)) * 3 + b"\x00\r\n\xff"
IMAGE = "functions/api-key-protected:latest"


@pytest.fixture(autouse=True)
def hold_swarm() -> Iterator[None]:
    require_toolchain()
    with swarm_lock():
        yield


class Deployment:
    """A scratch project deploying one function `name` with the given secrets, on a free port."""

    def __init__(self, project: EngineProject, secrets: tuple[str, ...] = ("secret_api_key",)) -> None:
        self.project = project
        self.name = f"lc-{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.write_stack(secrets)
        project.set("target", "swarm")
        project.set("stackFile", "lifecycle.yaml")
        project.set("publishedPorts", {self.name: self.port})

    def write_stack(self, secrets: tuple[str, ...]) -> None:
        listed = "".join(f"      - {s}\n" for s in secrets)
        function = f"  {self.name}:\n    image: {IMAGE}\n    secrets:\n{listed}"
        stack_file = self.project.workdir / "lifecycle.yaml"
        stack_file.write_text(f"provider:\n  name: openfaas\nfunctions:\n{function}")

    def check(self, **entry: Any) -> None:
        defaults = {
            "url": self.url,
            "headers": {"X-Api-Key": {"secret": "secret_api_key"}},
            "expectStatus": 200,
            "expectBody": "Unlocked the function!",
            "timeoutSeconds": 60,
        }
        self.project.stack.remove_config("checks")
        self.project.set("checks", {self.name: {**defaults, **entry}})

    def mounts(self) -> dict[str, str]:
        """File name -> Swarm secret ID mounted by the service."""
        [service] = docker_json("service", "inspect", self.name)
        secrets = service["Spec"]["TaskTemplate"]["ContainerSpec"]["Secrets"]
        return {s["File"]["Name"].rsplit("/", 1)[1]: s["SecretID"] for s in secrets}

    def task_states(self) -> list[str]:
        lines = run("docker", "service", "ps", self.name, "--format", "{{.CurrentState}}").splitlines()
        return [line.split()[0] for line in lines]

    def close(self) -> None:
        self.project.destroy()
        self.project.stack.workspace.remove_stack(self.project.stack.name)


@pytest.fixture
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    created = Deployment(new_project(tmp_path_factory.mktemp("lifecycle"), "lifecycle"))
    yield created
    created.close()


def counts(result: auto.UpResult) -> dict[str, int]:
    return cast(dict[str, int], dict(result.summary.resource_changes or {}))


def test_rotation_moves_the_service_to_a_new_secret_and_removes_the_old_one_last(
    deployment: Deployment,
) -> None:
    deployment.project.set_secret("secret_api_key", FIRST)
    deployment.check()
    deployment.project.up()
    old_id = deployment.mounts()["secret_api_key"]

    deployment.project.set_secret("secret_api_key", SECOND)
    result = deployment.project.up()

    # replaced: the secret; updated: the service, the check, the readiness wait (new tasks); same:
    # the stack, its component, the checksum key, the function's component
    assert counts(result) == {"same": 4, "replace": 1, "update": 3}, result.stdout
    new_id = deployment.mounts()["secret_api_key"]
    assert new_id != old_id
    assert old_id not in run("docker", "secret", "ls", "-q").split()
    assert task_file(deployment.name, "/var/openfaas/secrets/secret_api_key") == SECOND.encode()
    assert "Failed" not in deployment.task_states() and "Rejected" not in deployment.task_states()
    assert f"{deployment.name}: HTTP 200 after" in result.stdout + result.stderr  # the check ran again


def test_a_secret_no_function_names_is_removed_and_one_left_in_config_warns(deployment: Deployment) -> None:
    deployment.write_stack(("secret_api_key", "extra"))
    deployment.project.set_secret("secret_api_key", FIRST)
    deployment.project.set_secret("extra", SECOND)
    deployment.check()
    deployment.project.up()
    extra_id = deployment.mounts()["extra"]

    deployment.write_stack(("secret_api_key",))
    result = deployment.project.up()

    assert list(deployment.mounts()) == ["secret_api_key"]
    assert extra_id not in run("docker", "secret", "ls", "-q").split()
    assert counts(result).get("delete") == 1, result.stdout
    assert "secret 'extra' is set in config but no function in" in result.stdout + result.stderr


def test_a_binary_secret_arrives_in_the_function_byte_for_byte(deployment: Deployment) -> None:
    deployment.write_stack(("secret_api_key", "blob"))
    deployment.project.set_secret("secret_api_key", FIRST)
    deployment.project.set_secret("blob.base64", base64.b64encode(BINARY).decode())
    deployment.check()
    deployment.project.up()
    assert task_file(deployment.name, "/var/openfaas/secrets/blob") == BINARY


def test_a_wrong_key_fails_the_update_with_what_was_expected_and_what_came_back(
    deployment: Deployment,
) -> None:
    deployment.project.set_secret("secret_api_key", FIRST)
    deployment.check(headers={"X-Api-Key": "not-the-key"}, timeoutSeconds=8)
    with pytest.raises(auto.CommandError) as caught:
        deployment.project.up()
    message = str(caught.value)
    assert f"{deployment.name}: POST {deployment.url} did not answer as expected within 8s" in message, (
        message
    )
    assert "expected HTTP 200 and a body containing 'Unlocked the function!'" in message
    assert "got HTTP 200 with body 'Access denied!'" in message

    deployment.check()
    deployment.project.up()  # the right key passes
    assert FIRST not in message


def test_an_unreachable_function_is_retried_then_fails_within_the_timeout(deployment: Deployment) -> None:
    deployment.project.set_secret("secret_api_key", FIRST)
    closed = f"http://127.0.0.1:{free_port()}/"
    deployment.check(url=closed, timeoutSeconds=6)
    started = time.monotonic()
    with pytest.raises(auto.CommandError) as caught:
        deployment.project.up()
    elapsed = time.monotonic() - started
    message = str(caught.value)
    assert f"{deployment.name}: POST {closed} did not answer as expected within 6s" in message, message
    assert "connection refused" in message.lower()
    assert f"{deployment.name}: attempt 2" in message
    assert elapsed < 60
