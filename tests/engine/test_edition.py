"""Which OpenFaaS serves the cluster, read from real objects on the node, and CE's limits (issue 19).

The cluster states are real objects on the real API server: a namespace holding the chart's gateway
Deployment as CE or as Standard ships it (scaled to 0: its images cannot be pulled here, and
nothing of OpenFaaS runs), and `faas_function` Deployments already in its function namespace. The
program finds the gateway through `openfaasNamespace`, so no test touches a shared `openfaas`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi import automation as auto

from tests.engine.harness import EngineProject
from tests.engine.kube_support import apply_objects, delete_namespace, kube_project, kubectl
from tests.support.manifests import bare_deployment
from tests.support.openfaas_chart import gateway_deployment

pytestmark = pytest.mark.engine
FUNCTIONS = 16


def stack_of(count: int, extra: str = "") -> str:
    lines = ["provider:", "  name: openfaas", "functions:"]
    for i in range(count):
        lines += [f"  fn-{i:02d}:", "    image: functions/api-key-protected:latest"]
    return "\n".join(lines) + "\n" + extra


def namespace_object(name: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def function_deployment(name: str, namespace: str) -> dict[str, object]:
    """A Deployment as `faas-cli deploy` leaves it, scaled to 0 (what CE counts)."""
    return bare_deployment(name, namespace, {"faas_function": name})


@pytest.fixture
def openfaas() -> Iterator[tuple[str, str]]:
    """(the chart's namespace, its function namespace), both made for this test."""
    suffix = uuid.uuid4().hex[:6]
    chart, functions = f"ofgw-{suffix}", f"ofgw-{suffix}-fn"
    apply_objects(namespace_object(chart), namespace_object(functions))
    yield chart, functions
    delete_namespace(chart)
    delete_namespace(functions)


def project_for(tmp_path: Path, chart: str, stack: str) -> EngineProject:
    project = kube_project(tmp_path / "project", chart, check=False)
    project.stack.remove_config("namespace")  # the function namespace comes from the gateway
    project.stack.remove_config("checks")  # each function gets the default check
    project.set("openfaasNamespace", chart)
    project.set("createNamespaces", False)
    (project.workdir / "stack.yaml").write_text(stack)
    return project


def test_a_16_function_stack_fails_preview_against_a_ce_gateway_with_every_limit_named(
    tmp_path: Path, openfaas: tuple[str, str]
) -> None:
    chart, functions = openfaas
    already = [function_deployment(f"old-{i}", functions) for i in range(2)]
    apply_objects(gateway_deployment(chart, "ce", functions), *already)
    extra = "  elsewhere:\n    image: i:1\n    namespace: team-a\n  big:\n    image: i:1\n    labels:\n"
    extra += "      com.openfaas.scale.min: '6'\n"
    project = project_for(tmp_path, chart, stack_of(FUNCTIONS - 1, extra))
    with pytest.raises(auto.CommandError) as caught:
        project.preview()
    message = str(caught.value)
    found = f"the gateway Deployment {chart}/gateway runs ghcr.io/openfaas/faas-netes:0.18.17 (OpenFaaS CE)"
    assert f"namespace {functions!r} would hold 18 functions, this stack's 16 and 2 already there" in message
    assert "faas-netes CE would disable every function at its next restart (HTTP 405" in message
    elsewhere = f"function 'elsewhere' is in namespace 'team-a', but OpenFaaS CE serves only {functions!r}"
    assert elsewhere in message
    assert "function 'big' asks for 6 replicas (com.openfaas.scale.min)" in message
    assert found in message
    assert "Traceback" not in message
    names = {d["metadata"]["name"] for d in kubectl("get", "deployments", "-n", functions)["items"]}
    assert names == {"old-0", "old-1"}  # nothing applied


def test_the_same_stack_deploys_against_a_standard_gateway_into_its_function_namespace(
    tmp_path: Path, openfaas: tuple[str, str]
) -> None:
    chart, functions = openfaas
    apply_objects(gateway_deployment(chart, "pro", functions))
    project = project_for(tmp_path, chart, stack_of(FUNCTIONS))
    # the sample answers 500 without its secret: readiness alone is waited for here
    project.set("checks", {f"fn-{i:02d}": {"enabled": False} for i in range(FUNCTIONS)})
    try:
        result = project.up()
        log = result.stdout + result.stderr
        assert f"the gateway Deployment {chart}/gateway runs ghcr.io/openfaasltd/faas-netes:0.5.93" in log
        names = {d["metadata"]["name"] for d in kubectl("get", "deployments", "-n", functions)["items"]}
        assert names == {f"fn-{i:02d}" for i in range(FUNCTIONS)}
    finally:
        project.destroy()
        project.stack.workspace.remove_stack(project.stack.name)
