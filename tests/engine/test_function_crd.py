"""`kubernetesWorkload: function-crd` on the real engine against the local cluster (`make kube`,
which installs the `Function` CRD from `../shared/openfaas/crds/openfaas.com_functions.yaml`): the
API server's schema validation checks what we send, and what it stores equals what
`faas-cli generate --api=openfaas.com/v1` prints for the same file (issue 11, item 4), but for what
the program adds on purpose (`tests/differential/test_function_crd.py` says what and why).

There is no OpenFaaS operator: nothing turns a Function into pods, so the tests turn on `skipAwait`,
turn the invoke check off, and read back what the API server stored; the tests of the wait for a
Function's `Ready` and `Healthy` conditions write the status as the operator would.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from components.stackfile import load_stack
from tests.engine.harness import ROOT, EngineProject, add_corpus, new_project
from tests.engine.kube_support import KUBECONFIG, delete_namespace, kubectl, require_node, unique_namespace
from tests.support import faas_cli
from tests.support.corpus import CORPUS, REJECTED
from tests.support.function_crd import REFUSED, generated, kube_names, normal, on_purpose
from tests.support.mocks import DEMO_SECRET

pytestmark = pytest.mark.engine
CRD = "functions.openfaas.com"
LOADABLE = sorted(p.name for p in CORPUS.glob("*") if p.name not in REJECTED and p.name not in REFUSED)


def require_crd_and_faas_cli() -> Path:
    require_node()
    try:
        kubectl("get", "crd", CRD)
    except subprocess.CalledProcessError:
        raise RuntimeError(
            f"the {CRD} CRD is not installed in the local API server: run `make kube`"
        ) from None
    binary = faas_cli.binary()
    if binary is None:
        raise RuntimeError("faas-cli is not built at the pinned commit: run `make faas-cli`")
    return binary


def crd_project(tmp: Path, namespace: str) -> EngineProject:
    tmp.mkdir(parents=True, exist_ok=True)
    project = new_project(tmp, "crd")
    project.set("target", "kubernetes")
    project.set("kubernetesWorkload", "function-crd")
    project.set("namespace", namespace)
    project.set("createNamespaces", True)
    project.set("skipAwait", True)
    project.set("gateway", "http://gateway.openfaas:8080")  # some corpus files say http://${GATEWAY_IP}:8080
    project.set("kubernetes:kubeconfig", str(KUBECONFIG))
    return project


def stored(namespace: str) -> dict[str, dict[str, Any]]:
    """Every Function the API server holds in `namespace`, as the comparison sees it."""
    items = kubectl("get", CRD, "-n", namespace)["items"]
    return {item["metadata"]["name"]: on_purpose(normal(item)) for item in items}


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EngineProject, str, Path]]:
    binary = require_crd_and_faas_cli()
    namespace = unique_namespace("of-crd")
    project = crd_project(tmp_path_factory.mktemp("crd"), namespace)
    project.set("checks", {"protectedapi": {"enabled": False}})
    project.set_secret("secret_api_key", DEMO_SECRET)
    project.up()
    yield project, namespace, binary
    project.destroy()
    project.stack.workspace.remove_stack(project.stack.name)
    delete_namespace(namespace)


def test_the_example_stack_is_stored_as_faas_cli_generate_prints_it(
    example: tuple[EngineProject, str, Path], tmp_path: Path
) -> None:
    _, namespace, binary = example
    text = (ROOT / "stack.yaml").read_text(encoding="utf-8")
    expected = {n: kube_names(r) for n, r in generated(binary, tmp_path, text, namespace).items()}
    assert stored(namespace) == expected


def test_the_stored_function_keeps_the_secrets_checksum_annotation(
    example: tuple[EngineProject, str, Path],
) -> None:
    _, namespace, _ = example
    function = kubectl("get", CRD, "protectedapi", "-n", namespace)
    assert set(function["spec"]["annotations"]) >= {"openfaas-stack/secrets-checksum"}
    assert function["spec"]["secrets"] == ["secret-api-key"]


def test_no_secret_value_is_in_state_config_or_output(example: tuple[EngineProject, str, Path]) -> None:
    project, _, _ = example
    assert [text for text in project.outputs if DEMO_SECRET in text] == []
    assert project.files_containing(DEMO_SECRET) == []


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EngineProject, str, Path]]:
    binary = require_crd_and_faas_cli()
    namespace = unique_namespace("of-crdc")
    project = crd_project(tmp_path_factory.mktemp("crd-corpus"), namespace)
    add_corpus(project, LOADABLE)
    yield project, namespace, binary
    project.destroy()
    project.stack.workspace.remove_stack(project.stack.name)
    delete_namespace(namespace)


@pytest.mark.parametrize("name", LOADABLE)
def test_each_corpus_file_passes_the_schema_and_is_stored_as_faas_cli_generate_prints_it(
    corpus: tuple[EngineProject, str, Path], name: str, tmp_path: Path
) -> None:
    project, namespace, binary = corpus
    stack = load_stack(CORPUS / name, env={})
    project.set("stackFile", f"corpus/{name}")
    project.set("checks", {fn: {"enabled": False} for fn in stack.functions})
    project.up()  # the API server validates each Function against the CRD's schema here
    project.stack.remove_config("checks")
    text = (CORPUS / name).read_text(encoding="utf-8")
    expected = {n: kube_names(r) for n, r in generated(binary, tmp_path, text, namespace).items()}
    assert stored(namespace) == expected


def test_no_corpus_secret_value_reaches_the_output(corpus: tuple[EngineProject, str, Path]) -> None:
    project, _, _ = corpus
    assert [text for text in project.outputs if "corpus-value-" in text] == []
    assert project.files_containing("corpus-value-") == []


def play_the_operator(namespace: str, name: str, stop: threading.Event) -> None:
    """Write `Ready` and `Healthy` to the Function's status once it exists, as the operator would."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    conditions = [
        {"type": kind, "status": "True", "reason": "Available", "message": "ok", "lastTransitionTime": now}
        for kind in ("Ready", "Healthy")
    ]
    patch = json.dumps({"status": {"conditions": conditions}})
    while not stop.is_set():
        try:
            kubectl("patch", CRD, name, "-n", namespace, "--subresource=status", "--type=merge", "-p", patch)
            return
        except subprocess.CalledProcessError:  # not created yet
            stop.wait(0.5)


def awaited_project(tmp: Path, namespace: str, timeout: str) -> EngineProject:
    require_crd_and_faas_cli()
    project = crd_project(tmp, namespace)
    project.stack.remove_config("skipAwait")
    project.set("kubernetesReadyTimeout", timeout)
    project.set("checks", {"protectedapi": {"enabled": False}})
    project.set_secret("secret_api_key", DEMO_SECRET)
    return project


def test_up_waits_for_the_operator_to_report_the_function_ready_and_healthy(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    namespace = unique_namespace("of-crdw")
    project = awaited_project(tmp_path_factory.mktemp("crd-wait"), namespace, "60s")
    stop = threading.Event()
    operator = threading.Thread(target=play_the_operator, args=(namespace, "protectedapi", stop))
    operator.start()
    try:
        project.up()
        conditions = kubectl("get", CRD, "protectedapi", "-n", namespace)["status"]["conditions"]
        assert {c["type"]: c["status"] for c in conditions} == {"Ready": "True", "Healthy": "True"}
    finally:
        stop.set()
        operator.join()
        project.destroy()
        project.stack.workspace.remove_stack(project.stack.name)
        delete_namespace(namespace)


def test_up_fails_at_the_timeout_when_no_operator_reports_the_function(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    namespace = unique_namespace("of-crdt")
    project = awaited_project(tmp_path_factory.mktemp("crd-timeout"), namespace, "10s")
    started = time.monotonic()
    try:
        with pytest.raises(auto.CommandError) as failed:
            project.up()
        assert time.monotonic() - started < 120
        assert "protectedapi" in str(failed.value)
        assert "Ready" in str(failed.value) or "timed out" in str(failed.value), str(failed.value)[-2000:]
    finally:
        project.destroy()
        project.stack.workspace.remove_stack(project.stack.name)
        delete_namespace(namespace)
