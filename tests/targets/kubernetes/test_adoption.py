"""Which existing objects of an adopted function are faas-netes' and may be imported, and what a
`faas-cli deploy` left that the stack file does not set."""

from __future__ import annotations

from pathlib import Path

from components.plan import FunctionPlan, make_plan
from components.stackfile import Function, Provider, StackFile
from components.targets import rules_for
from components.targets.kubernetes.adoption import (
    ObjectRef,
    adoption_problem,
    leftovers,
    scaled_by_autoscaler,
)
from tests.support.faas_netes import faas_netes_deployment, faas_netes_service


def planned(name: str = "hello", **fields: object) -> FunctionPlan:
    stack = StackFile(
        path=Path("stack.yaml"),
        provider=Provider(name="openfaas"),
        functions={name: Function(name=name, image="i:1", line=4, **fields)},  # type: ignore[arg-type]
    )
    return make_plan(
        stack, target=rules_for("kubernetes"), default_namespace="fn", configured_secrets=()
    ).functions[name]


DEPLOYMENT = ObjectRef("Deployment", "fn", "hello")
SERVICE = ObjectRef("Service", "fn", "hello")


def test_what_faas_netes_made_can_be_adopted() -> None:
    fn = planned()
    assert adoption_problem(fn, DEPLOYMENT, faas_netes_deployment("hello", "fn", "i:1", uid=5)) == ""
    assert adoption_problem(fn, SERVICE, faas_netes_service("hello", "fn")) == ""


def test_a_deployment_selecting_other_pods_is_refused_with_its_selector() -> None:
    other = faas_netes_deployment("hello", "fn", "i:1")
    other["spec"]["selector"] = {"matchLabels": {"app": "hello"}}
    assert adoption_problem(planned(), DEPLOYMENT, other) == (
        'its selector is {"matchLabels": {"app": "hello"}}, not `matchLabels: {faas_function: hello}`'
    )


def test_a_deployment_without_the_function_label_is_refused() -> None:
    other = faas_netes_deployment("hello", "fn", "i:1")
    other["metadata"]["labels"] = {"app": "hello"}
    assert adoption_problem(planned(), DEPLOYMENT, other) == "it has no label `faas_function: hello`"


def test_a_service_selecting_other_pods_or_headless_is_refused() -> None:
    other = faas_netes_service("hello", "fn")
    other["spec"]["selector"] = {"app": "hello"}
    assert adoption_problem(planned(), SERVICE, other) == (
        'its selector is {"app": "hello"}, not `faas_function: hello`'
    )
    headless = faas_netes_service("hello", "fn")
    headless["spec"]["clusterIP"] = "None"
    assert adoption_problem(planned(), SERVICE, headless) == (
        "it is headless (`clusterIP: None`), and a Service's clusterIP cannot change"
    )


def test_variables_and_pod_labels_the_stack_file_does_not_set_are_leftovers_but_not_uid() -> None:
    fn = planned(environment={"mode": "pulumi"}, labels={"team": "a"})
    deployed = faas_netes_deployment(
        "hello",
        "fn",
        "i:1",
        environment={"mode": "x", "debug": "1"},
        labels={"team": "b", "tier": "2"},
        uid=9,
    )
    assert leftovers(fn, deployed) == ["environment variable 'debug'", "pod label 'tier'"]


def test_fprocess_set_by_the_stack_file_is_no_leftover() -> None:
    fn = planned(fprocess="./handler")
    assert (
        leftovers(fn, faas_netes_deployment("hello", "fn", "i:1", environment={"fprocess": "./handler"}))
        == []
    )


def test_replicas_written_through_the_scale_subresource_belong_to_an_autoscaler() -> None:
    deployment = faas_netes_deployment("hello", "fn", "i:1")
    scaled = {"manager": "kube-controller-manager", "operation": "Update", "subresource": "scale"}
    deployment["metadata"]["managedFields"] = [{**scaled, "fieldsV1": {"f:spec": {"f:replicas": {}}}}]
    assert scaled_by_autoscaler(deployment)
    deployment["metadata"]["managedFields"] = [
        {"manager": "faas-netes", "operation": "Update", "fieldsV1": {"f:spec": {"f:replicas": {}}}}
    ]
    assert not scaled_by_autoscaler(deployment)
