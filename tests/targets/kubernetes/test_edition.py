"""Which OpenFaaS serves a cluster, read from the chart's gateway Deployment, and CE's limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.plan import DeployPlan, make_plan
from components.stackfile import Function, Provider, StackFile
from components.targets import rules_for
from components.targets.kubernetes.edition import (
    Edition,
    EditionUnknown,
    ce_problems,
    edition_of_gateway,
    resolve_edition,
)
from tests.support.openfaas_chart import gateway_deployment

WHERE = "gateway Deployment openfaas/gateway"


def test_the_ce_chart_is_ce_serving_its_function_namespace() -> None:
    edition = edition_of_gateway(gateway_deployment("openfaas", "ce", "fns"), WHERE)
    assert edition == Edition(
        "ce",
        "fns",
        f"the {WHERE} runs ghcr.io/openfaas/faas-netes:0.18.17 (OpenFaaS CE), serving namespace 'fns'",
    )


def test_the_standard_chart_is_pro() -> None:
    edition = edition_of_gateway(gateway_deployment("openfaas", "pro"), WHERE)
    assert (edition.name, edition.function_namespace) == ("pro", "openfaas-fn")


def test_the_standard_chart_with_the_operator_is_pro() -> None:
    deployment = gateway_deployment("openfaas", "pro", operator=True)
    assert edition_of_gateway(deployment, WHERE).name == "pro"


def test_a_registry_prefix_keeps_the_edition() -> None:
    deployment = gateway_deployment("openfaas", "ce")
    deployment["spec"]["template"]["spec"]["containers"][1]["image"] = (
        "registry.corp/openfaas/faas-netes:0.18.17"
    )
    assert edition_of_gateway(deployment, WHERE).name == "ce"


def test_a_gateway_without_a_provider_container_cannot_be_told() -> None:
    deployment = gateway_deployment("openfaas", "ce")
    del deployment["spec"]["template"]["spec"]["containers"][1]
    with pytest.raises(EditionUnknown, match="has neither a faas-netes nor an operator container"):
        edition_of_gateway(deployment, WHERE)


def test_none_reads_nothing() -> None:
    assert resolve_edition("none", None, "openfaas") == (
        Edition("none", found="config 'openfaasEdition' is 'none'"),
        None,
    )


def test_auto_that_cannot_read_the_cluster_warns_naming_the_setting() -> None:
    edition, warning = resolve_edition("auto", None, "openfaas")
    assert edition.name == "none"
    assert warning is not None
    assert warning.endswith("set it with `pulumi config set openfaasEdition ce` (or pro, or none)")


def plan_of(names: list[str], namespace: str = "openfaas-fn", scale_min: str = "") -> DeployPlan:
    labels = {"com.openfaas.scale.min": scale_min} if scale_min else {}
    stack = StackFile(
        path=Path("stack.yaml"),
        provider=Provider(name="openfaas"),
        functions={n: Function(name=n, image="i:1", line=4, labels=labels) for n in names},
    )
    return make_plan(
        stack, target=rules_for("kubernetes"), default_namespace=namespace, configured_secrets=()
    )


CE = Edition("ce", "openfaas-fn", "CE")


def test_fifteen_functions_is_within_ce() -> None:
    plan = plan_of([f"f{i}" for i in range(15)])
    assert ce_problems(plan, "stack.yaml", CE, frozenset(), "deployment", "Pulumi.dev.yaml") == []


def test_functions_already_there_count_once_each_towards_fifteen() -> None:
    plan = plan_of([f"f{i}" for i in range(14)])
    [problem] = ce_problems(plan, "stack.yaml", CE, {"f0", "x1", "x2"}, "deployment", "P.yaml")
    assert problem.startswith(
        "stack.yaml: namespace 'openfaas-fn' would hold 16 functions, this stack's 14 and 2 already "
        "there (x1, x2); OpenFaaS CE allows 15 (CE)"
    )
    assert "deploy at most 13 functions there" in problem


def test_five_replicas_is_within_ce_and_six_is_not() -> None:
    assert ce_problems(plan_of(["a"], scale_min="5"), "s", CE, (), "deployment", "P") == []
    [problem] = ce_problems(plan_of(["a"], scale_min="6"), "s", CE, (), "deployment", "P")
    assert problem.startswith("s:4: function 'a' asks for 6 replicas")
