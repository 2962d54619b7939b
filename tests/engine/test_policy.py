"""The policy pack in `policy/` on the real engine: `preview(policy_packs=["policy"])`.

Previews only: nothing is created on the Swarm or the API server. The pack runs in its own
virtualenv (`policy/.venv`, made here when missing) through the language host's RunPlugin.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pulumi
import pulumi_docker as docker
import pytest
from pulumi import automation as auto

from tests.engine.harness import PASSPHRASE, ROOT, EngineProject, new_project, require_toolchain

pytestmark = pytest.mark.engine

POLICY = ROOT / "policy"
KUBECONFIG = ROOT / ".toolchain" / "kubeconfig"
NAME = f"policy{uuid.uuid4().hex[:6]}"
SECRET = f"{NAME}_key"
SECRET_VALUE = f"Pv{uuid.uuid4().hex[:12]}!"
# As openfaas/faas-cli sample/hmac.yml sets `secret_key: "keep-this-secret"`.
LITERAL = f"keep-this-secret-{uuid.uuid4().hex[:6]}"
Violation = tuple[str, str]  # (policy name, enforcement level)


@pytest.fixture(scope="module", autouse=True)
def policy_venv() -> None:
    """The pack's own virtualenv (pulumi-policy pins an older protobuf than the project's SDK)."""
    require_toolchain()
    python = POLICY / ".venv" / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(POLICY / ".venv")], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(POLICY / "requirements.txt"),
        ],
        check=True,
    )


def stack_file(environment: dict[str, str] | None = None, readonly: bool = False) -> str:
    """The example's function (image, one secret) under a unique name, with extra settings."""
    lines = ["provider:", "  name: openfaas", "  gateway: http://127.0.0.1:8080", "functions:"]
    lines += [f"  {NAME}:", "    lang: dockerfile", "    image: functions/api-key-protected:latest"]
    lines += ["    secrets:", f"      - {SECRET}"]
    if environment:
        lines += ["    environment:", *(f'      {k}: "{v}"' for k, v in environment.items())]
    if readonly:
        lines += ["    readonly_root_filesystem: true"]
    return "\n".join(lines) + "\n"


@pytest.fixture(params=["swarm", "kubernetes"])
def project(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EngineProject]:
    target: str = request.param
    project = new_project(tmp_path, f"policy-{target}")
    project.set("target", target)
    project.set_secret(SECRET, SECRET_VALUE)
    project.set("checks", {NAME: {"enabled": False}})
    if target == "kubernetes":
        project.set("skipAwait", True)
        project.set("kubernetes:kubeconfig", str(KUBECONFIG))
    yield project
    project.stack.workspace.remove_stack(project.stack.name)


def preview(project: EngineProject, stack_yaml: str) -> tuple[list[Violation], str, bool]:
    """(violations, output, succeeded) of a preview of `stack_yaml` with the policy pack."""
    (project.workdir / "stack.yaml").write_text(stack_yaml)
    return run_preview(project.stack, project.outputs)


def run_preview(stack: auto.Stack, outputs: list[str]) -> tuple[list[Violation], str, bool]:
    events: list[auto.EngineEvent] = []
    try:
        result = stack.preview(color="never", policy_packs=[str(POLICY)], on_event=events.append)
        text, ok = result.stdout + result.stderr, True
    except auto.CommandError as error:
        text, ok = str(error), False
    outputs.append(text)
    violations = [
        (e.policy_event.policy_name, e.policy_event.enforcement_level)
        for e in events
        if e.policy_event is not None
    ]
    return violations, text, ok


def test_the_example_passes_with_only_the_read_only_advice(project: EngineProject) -> None:
    violations, text, ok = preview(project, stack_file())
    assert ok, text
    assert violations == [("read-only-root-filesystem", "advisory")]


def test_a_read_only_function_passes_without_advice(project: EngineProject) -> None:
    violations, text, ok = preview(project, stack_file(readonly=True))
    assert ok, text
    assert violations == []


def test_a_secret_literal_in_the_environment_fails_the_preview(project: EngineProject) -> None:
    violations, text, ok = preview(project, stack_file({"api_key": LITERAL}, readonly=True))
    assert not ok
    assert violations == [("no-secret-in-environment", "mandatory")]
    assert "environment variable 'api_key' looks like a secret in plain text" in text
    assert LITERAL not in text


def test_paths_urls_and_flags_in_the_environment_pass(project: EngineProject) -> None:
    environment = {
        "secret_path": "/var/openfaas/secrets/",
        "customers_url": "https://example.com/CUSTOMERS",
        "validate_hmac": "true",
        "write_timeout": "10s",
    }
    violations, text, ok = preview(project, stack_file(environment, readonly=True))
    assert ok, text
    assert violations == []


def test_the_secret_value_is_in_no_policy_output(project: EngineProject) -> None:
    preview(project, stack_file({"api_key": LITERAL}))
    assert [t for t in project.outputs if SECRET_VALUE in t] == []


def inline_stack(tmp_path: Path, program: Callable[[], None]) -> auto.Stack:
    env = {"PULUMI_BACKEND_URL": f"file://{tmp_path}", "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE}
    return auto.create_stack(
        f"policy-inline-{uuid.uuid4().hex[:8]}",
        project_name="policy-inline",
        program=program,
        opts=auto.LocalWorkspaceOptions(work_dir=str(tmp_path), env_vars=env),
    )


def service_mounting(secret_name: str, secret_id: pulumi.Input[str]) -> docker.Service:
    return docker.Service(
        NAME,
        name=NAME,
        task_spec=docker.ServiceTaskSpecArgs(
            container_spec=docker.ServiceTaskSpecContainerSpecArgs(
                image="functions/api-key-protected:latest",
                read_only=True,
                secrets=[
                    docker.ServiceTaskSpecContainerSpecSecretArgs(
                        secret_id=secret_id,
                        secret_name=secret_name,
                        file_name=f"/var/openfaas/secrets/{secret_name}",
                    )
                ],
            )
        ),
    )


def test_mounting_a_secret_the_stack_does_not_declare_fails(tmp_path: Path) -> None:
    def program() -> None:
        service_mounting("made_by_hand", "abcdefghijklmnopqrstuvwxy")

    stack = inline_stack(tmp_path, program)
    try:
        violations, _, ok = run_preview(stack, [])
    finally:
        stack.workspace.remove_stack(stack.name)
    assert not ok
    assert violations == [("mounted-secrets-declared", "mandatory")]


def test_mounting_a_secret_the_stack_declares_passes(tmp_path: Path) -> None:
    def program() -> None:
        secret = docker.Secret(SECRET, name=SECRET, data="c2VjcmV0")
        service_mounting(SECRET, secret.id)

    stack = inline_stack(tmp_path, program)
    try:
        violations, text, ok = run_preview(stack, [])
    finally:
        stack.workspace.remove_stack(stack.name)
    assert ok, text
    assert violations == []
