"""Secrets of several files and binary secrets, from config to both targets (under mocks)."""

from __future__ import annotations

import base64
from pathlib import Path

import pulumi
import pytest

from components.plan import PlanError, make_plan
from components.stackfile import Function, Provider, StackFile
from components.targets import rules_for
from tests.support.mocks import RecordingMocks, is_secret, run_program

BINARY = bytes(range(256)) + b"\x00\xff\xfe"
STACK = """\
provider:
  name: openfaas
functions:
  tls-fn:
    image: ghcr.io/openfaas/tls-fn:1.0
    secrets:
      - tls
"""
TLS = {"files": {"tls.crt": "CERT-TEXT", "tls.key": {"base64": base64.b64encode(BINARY).decode()}}}


def run(tmp_path: Path, target: str, secrets: dict[str, object]) -> RecordingMocks:
    (tmp_path / "stack.yaml").write_text(STACK)
    return run_program(tmp_path, config={"target": target}, secrets=secrets)


def test_a_secret_of_several_files_is_one_kubernetes_secret_with_a_key_per_file(tmp_path: Path) -> None:
    mocks = run(tmp_path, "kubernetes", {"tls": TLS})
    secret = mocks.of_type("kubernetes:core/v1:Secret")["openfaas-fn/tls"].plain()
    assert secret["data"] == {
        "tls.crt": base64.b64encode(b"CERT-TEXT").decode(),
        "tls.key": base64.b64encode(BINARY).decode(),
    }
    deployment = mocks.of_type("kubernetes:apps/v1:Deployment")["openfaas-fn/tls-fn"].plain()
    [volume] = deployment["spec"]["template"]["spec"]["volumes"]
    assert volume["projected"]["sources"][0]["secret"]["items"] == [
        {"key": "tls.crt", "path": "tls.crt"},
        {"key": "tls.key", "path": "tls.key"},
    ]


def test_a_secret_of_several_files_is_one_swarm_secret_per_file(tmp_path: Path) -> None:
    mocks = run(tmp_path, "swarm", {"tls": TLS})
    secrets = mocks.of_type("docker:index/secret:Secret")
    assert sorted(secrets) == ["tls.tls.crt", "tls.tls.key"]
    assert base64.b64decode(secrets["tls.tls.key"].plain()["data"]) == BINARY
    service = mocks.of_type("docker:index/service:Service")["tls-fn"].plain()
    files = [s["fileName"] for s in service["taskSpec"]["containerSpec"]["secrets"]]
    assert files == ["/var/openfaas/secrets/tls.crt", "/var/openfaas/secrets/tls.key"]


def test_binary_content_is_given_as_base64_and_arrives_unchanged(tmp_path: Path) -> None:
    encoded = base64.b64encode(BINARY).decode()
    mocks = run(tmp_path, "swarm", {"tls": {"base64": encoded}})
    assert mocks.of_type("docker:index/secret:Secret")["tls"].plain()["data"] == encoded


def test_invalid_base64_names_the_key_and_the_command(tmp_path: Path) -> None:
    with pytest.raises(pulumi.RunError) as caught:
        run(tmp_path, "swarm", {"tls": {"base64": "not base64!"}})
    assert str(caught.value) == (
        "Pulumi.dev.yaml: config 'secrets.tls.base64' is not valid base64: encode the file with "
        "`base64 -w0 <file> | pulumi config set --secret --path 'secrets.tls.base64'`"
    )


def test_a_secret_of_another_shape_is_refused_with_the_forms_that_work(tmp_path: Path) -> None:
    with pytest.raises(
        pulumi.RunError, match=r"config 'secrets.tls' must be text, \{base64: ...\}, \{fromFile: <path>\} or"
    ):
        run(tmp_path, "swarm", {"tls": ["a", "b"]})


def test_a_secret_from_a_file_arrives_byte_for_byte_with_the_path_relative_to_the_project(
    tmp_path: Path,
) -> None:
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "key.bin").write_bytes(BINARY)
    mocks = run(tmp_path, "kubernetes", {"tls": {"fromFile": "certs/key.bin"}})
    secret = mocks.of_type("kubernetes:core/v1:Secret")["openfaas-fn/tls"]
    assert secret.plain()["data"] == {"tls": base64.b64encode(BINARY).decode()}
    assert is_secret(secret.inputs["data"])


def test_a_file_of_a_several_file_secret_may_come_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "tls.crt").write_text("CERT-FROM-FILE")
    files = {"files": {"tls.crt": {"fromFile": str(tmp_path / "tls.crt")}, "tls.key": "KEY-TEXT"}}
    mocks = run(tmp_path, "swarm", {"tls": files})
    secrets = mocks.of_type("docker:index/secret:Secret")
    assert base64.b64decode(secrets["tls.tls.crt"].plain()["data"]) == b"CERT-FROM-FILE"


def test_a_file_secrets_content_is_redacted_from_messages(tmp_path: Path) -> None:
    value = "file-held-secret-value-0123"
    (tmp_path / "key.txt").write_text(value)
    with pytest.raises(pulumi.RunError) as caught:
        (tmp_path / "stack.yaml").write_text(STACK)
        run_program(tmp_path, config={"target": value}, secrets={"tls": {"fromFile": "key.txt"}})
    assert value not in str(caught.value)
    assert "config 'target' is a secret's value (not shown)" in str(caught.value)


def test_an_empty_file_counts_as_an_empty_secret(tmp_path: Path) -> None:
    with pytest.raises(pulumi.RunError, match=r"secret 'tls' has an empty file \(its files: tls.crt, "):
        run(tmp_path, "swarm", {"tls": {"files": {"tls.crt": "x", "tls.key": ""}}})


def test_two_secrets_putting_one_file_name_into_a_function_is_an_error_naming_both() -> None:
    stack = StackFile(
        Path("/repo/stack.yaml"),
        Provider("openfaas"),
        {"fn": Function(name="fn", line=4, image="a/b:1", secrets=("one", "two"))},
    )
    with pytest.raises(PlanError) as caught:
        make_plan(
            stack,
            target=rules_for("kubernetes"),
            default_namespace="openfaas-fn",
            configured_secrets={"one": ("key.pem",), "two": ("key.pem", "other")},
        )
    assert str(caught.value) == (
        "/repo/stack.yaml:4: function 'fn': secrets 'one' and 'two' both put the file 'key.pem' in "
        "/var/openfaas/secrets: rename the file in one of them"
    )
