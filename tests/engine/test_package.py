"""The component used from a Pulumi YAML program (examples/yaml), on the real engine and node.

The program is a scratch copy of the example with its own stack file, backend and namespace; the
package is added as a user adds it (`pulumi package add <this repo>/provider`) and its secret is the
YAML program's own encrypted config. The provider serves the component and the resources it
declares (the readiness wait, the check), so nothing of Python runs in the YAML program itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.engine.harness import PASSPHRASE, ROOT, files_containing, free_port, run, swarm_lock
from tests.engine.kube_support import (
    KUBECONFIG,
    call_function,
    delete_namespace,
    require_node,
    unique_namespace,
)
from tests.support.secret_search import leaks

pytestmark = pytest.mark.engine
SECRET = "yaml-Api-Key-6c1f0e9b27"
EXAMPLE = ROOT / "examples" / "yaml"


class YamlProgram:
    """A scratch copy of the YAML example and its backend, driven with the `pulumi` CLI."""

    def __init__(self, tmp: Path, **properties: Any) -> None:
        self.workdir, self.backend = tmp / "program", tmp / "state"
        self.workdir.mkdir()
        self.backend.mkdir()
        shutil.copy(EXAMPLE / "stack.yaml", self.workdir / "stack.yaml")
        project = yaml.safe_load((EXAMPLE / "Pulumi.yaml").read_text())
        del project["packages"]  # `pulumi package add` writes it
        given = project["resources"]["openfaas"]["properties"]
        given.update(properties)
        for key in [key for key, value in given.items() if value is None]:
            del given[key]  # None: leave it out
        (self.workdir / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
        self.env = {
            **os.environ,
            "PULUMI_BACKEND_URL": f"file://{self.backend}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        }
        self.outputs: list[str] = []

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["pulumi", *args, "--non-interactive"],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        self.outputs += [result.stdout, result.stderr]
        if check and result.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def resources(self) -> list[dict[str, Any]]:
        state = json.loads(self.run("stack", "export").stdout)
        return list(state["deployment"].get("resources") or [])

    def files_containing(self, needle: str) -> list[str]:
        return files_containing(needle, self.workdir, self.backend)


def test_a_yaml_program_deploys_the_example_with_its_secret_and_the_check_passes(tmp_path: Path) -> None:
    require_node()
    namespace = unique_namespace("yaml")
    program = YamlProgram(tmp_path, namespace=namespace, kubeconfig=str(KUBECONFIG), imagePullPolicy="Never")
    program.run("package", "add", str(ROOT / "provider"))
    added = yaml.safe_load((program.workdir / "Pulumi.yaml").read_text())
    assert added["packages"] == {"openfaas-stack": str(ROOT / "provider")}
    program.run("stack", "init", "dev")
    program.run("config", "set", "--secret", "apiKey", SECRET)
    try:
        preview = program.run("preview", "--diff").stdout
        assert "secret_values  : [secret]" in preview  # what a reviewer sees of the check's secret
        assert "functions: [unknown]" in preview
        program.run("up", "--yes", "--skip-preview")
        by_type = {r["type"]: r for r in program.resources()}
        assert {
            "openfaas-stack:index:OpenFaaSStack",
            "openfaas-stack:index:OpenFaaSFunction",
            "openfaas-stack:index:Readiness",
            "openfaas-stack:index:InvokeCheck",
            "kubernetes:core/v1:Secret",
            "kubernetes:apps/v1:Deployment",
            "kubernetes:core/v1:Service",
        } <= set(by_type)
        check = by_type["openfaas-stack:index:InvokeCheck"]["outputs"]
        assert (check["status"], check["refused_status"]) == (200, 200)
        assert check["summary"].startswith("HTTP 200 after 1 attempt")
        assert call_function(namespace, "protectedapi", {"X-Api-Key": SECRET}) == (
            200,
            "Unlocked the function!\n",
        )
        second = program.run("up", "--yes", "--skip-preview", "--expect-no-changes", check=False)
        assert second.returncode == 0, second.stdout + second.stderr  # a no-op second up
        program.run("destroy", "--yes")
        assert program.resources() == []
    finally:
        delete_namespace(namespace)
    assert leaks("\n".join(program.outputs), [SECRET]) == []
    assert program.files_containing(SECRET) == []


def test_a_secret_given_in_plain_text_is_refused_before_anything_is_applied(tmp_path: Path) -> None:
    require_node()
    namespace = unique_namespace("yaml")
    program = YamlProgram(tmp_path, namespace=namespace, kubeconfig=str(KUBECONFIG), imagePullPolicy="Never")
    program.run("package", "add", str(ROOT / "provider"))
    program.run("stack", "init", "dev")
    program.run("config", "set", "--secret", "apiKey", SECRET)
    # Pulumi keeps config the program declares secret encrypted; a literal in the program is not
    project = yaml.safe_load((program.workdir / "Pulumi.yaml").read_text())
    project["resources"]["openfaas"]["properties"]["secrets"] = {"secret_api_key": SECRET}
    (program.workdir / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    result = program.run("up", "--yes", "--skip-preview", check=False)
    assert result.returncode != 0
    assert (
        "input 'secrets.secret_api_key' is not a secret, so its value would be stored in plain text"
        in result.stdout
    )
    assert [r["type"] for r in program.resources() if r["type"].startswith("kubernetes:")] == []


def test_the_schema_pulumi_reads_from_the_package_is_the_golden_one() -> None:
    require_node()
    result = subprocess.run(
        ["pulumi", "package", "get-schema", str(ROOT / "provider"), "--non-interactive"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    golden = ROOT / "tests" / "engine" / "golden" / "schema.json"
    assert json.loads(result.stdout) == json.loads(golden.read_text()), (
        "the component's public interface changed: if on purpose, run "
        "`pulumi package get-schema ./provider > tests/engine/golden/schema.json`"
    )


def test_a_yaml_program_deploys_the_example_to_swarm_and_the_check_passes(tmp_path: Path) -> None:
    port = free_port()
    program = YamlProgram(
        tmp_path,
        target="swarm",
        createNamespaces=None,  # the example's Kubernetes settings
        imagePullPolicy=None,
        kubernetesReadyTimeout=None,
        publishedPorts={"protectedapi": port},
        checks={
            "protectedapi": {
                "url": f"http://127.0.0.1:{port}/",
                "headers": {"X-Api-Key": {"secret": "secret_api_key"}},
                "expectBody": "Unlocked the function!",
                "refusedWithoutSecret": True,
            }
        },
    )
    program.run("package", "add", str(ROOT / "provider"))
    program.run("stack", "init", "dev")
    program.run("config", "set", "--secret", "apiKey", SECRET)
    with swarm_lock():
        run("docker", "service", "rm", "protectedapi", check=False)  # left by an interrupted run
        program.run("up", "--yes", "--skip-preview")
        try:
            by_type = {r["type"]: r for r in program.resources()}
            assert {"openfaas-stack:index:SwarmReadiness", "docker:index/service:Service"} <= set(by_type)
            check = by_type["openfaas-stack:index:InvokeCheck"]["outputs"]
            assert (check["status"], check["refused_status"]) == (200, 200)
            second = program.run("preview", "--expect-no-changes", "--diff", check=False)
            assert second.returncode == 0, second.stdout + second.stderr
        finally:
            program.run("destroy", "--yes")
    assert program.resources() == []
    assert leaks("\n".join(program.outputs), [SECRET]) == []
    assert program.files_containing(SECRET) == []
