"""Planning checks a stack file against a target and the configured secrets, before any resource."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.kubernetes import secret_object_name
from components.plan import DeployPlan, PlanError, SecretPlan, make_plan
from components.stackfile import Function, FunctionResources, Provider, StackFile

PATH = Path("/repo/stack.yaml")


def stack(*functions: Function) -> StackFile:
    return StackFile(PATH, Provider("openfaas"), {f.name: f for f in functions})


def fn(name: str = "protectedapi", line: int = 6, **fields: object) -> Function:
    fields.setdefault("image", "functions/api-key-protected:latest")
    return Function(name=name, line=line, **fields)  # type: ignore[arg-type]


def kube_plan(s: StackFile, secrets: set[str] | None = None, empty: set[str] | None = None) -> DeployPlan:
    return make_plan(
        s,
        target="kubernetes",
        default_namespace="openfaas-fn",
        configured_secrets=secrets or set(),
        empty_secrets=empty or set(),
    )


def test_a_missing_secret_names_function_secret_and_the_command_that_fixes_it() -> None:
    with pytest.raises(PlanError) as caught:
        kube_plan(stack(fn(secrets=("secret_api_key",))))
    assert str(caught.value) == (
        "/repo/stack.yaml:6: function 'protectedapi' needs secret 'secret_api_key', which is not set: "
        "run `pulumi config set --secret --path 'secrets.secret_api_key' <value>`"
    )


def test_an_empty_secret_value_is_an_error() -> None:
    with pytest.raises(PlanError, match="secret 'k' is empty"):
        kube_plan(stack(fn(secrets=("k",))), {"k"}, {"k"})


def test_kubernetes_secret_names_map_to_dns_1123_and_keep_the_file_name() -> None:
    plan = kube_plan(stack(fn(secrets=("secret_api_key",))), {"secret_api_key"})
    assert plan.secrets == {
        "openfaas-fn/secret_api_key": SecretPlan("secret_api_key", "openfaas-fn", ("secret_api_key",))
    }
    assert secret_object_name("secret_api_key") == "secret-api-key"


def test_two_secrets_mapping_to_one_kubernetes_name_is_an_error_naming_both() -> None:
    with pytest.raises(PlanError) as caught:
        kube_plan(stack(fn(secrets=("api_key", "api-key"))), {"api_key", "api-key"})
    assert str(caught.value) == (
        "/repo/stack.yaml:6: function 'protectedapi': secrets 'api-key' and 'api_key' would both "
        "become the Kubernetes Secret 'api-key' in namespace 'openfaas-fn': rename one of them in "
        "the stack file and in the 'secrets' config"
    )


def test_swarm_keeps_secret_names_as_they_are() -> None:
    plan = make_plan(
        stack(fn(secrets=("secret_api_key",))),
        target="swarm",
        default_namespace="openfaas-fn",
        configured_secrets={"secret_api_key"},
    )
    assert plan.secrets == {"secret_api_key": SecretPlan("secret_api_key", "", ("secret_api_key",))}


def test_a_function_name_kubernetes_rejects_is_an_error_before_anything_is_applied() -> None:
    with pytest.raises(PlanError, match=r"function 'Api_Fn': the name must be a valid DNS-1035 label"):
        kube_plan(stack(fn("Api_Fn")))


def test_an_unknown_target_says_which_are_known() -> None:
    with pytest.raises(PlanError, match=r"unknown target 'nomad'"):
        make_plan(stack(fn()), target="nomad", default_namespace="x", configured_secrets=set())


def test_an_unparseable_image_reference_is_an_error() -> None:
    with pytest.raises(PlanError, match=r"image 'Functions/API:latest' is not a valid image reference"):
        kube_plan(stack(fn(image="Functions/API:latest")))


def test_functions_in_their_own_namespace_get_their_secrets_there() -> None:
    plan = kube_plan(stack(fn("a", secrets=("k",)), fn("b", secrets=("k",), namespace="team")), {"k"})
    assert sorted(plan.secrets) == ["openfaas-fn/k", "team/k"]
    assert plan.functions["b"].namespace == "team"


def test_swarm_style_memory_warns_on_kubernetes() -> None:
    plan = kube_plan(stack(fn(limits=FunctionResources(memory="40m"))))
    assert plan.warnings == (
        "/repo/stack.yaml:6: function 'protectedapi': limits.memory '40m' means 40 milli-bytes on "
        "Kubernetes; write 40Mi for mebibytes",
    )


def test_an_invalid_kubernetes_quantity_is_an_error() -> None:
    with pytest.raises(PlanError, match=r"limits.cpu 'two' is not a Kubernetes quantity"):
        kube_plan(stack(fn(limits=FunctionResources(cpu="two"))))


def test_a_secret_set_in_config_but_unused_is_a_warning_not_a_resource() -> None:
    plan = kube_plan(stack(fn()), {"old"})
    assert plan.secrets == {}
    assert plan.warnings == (
        "secret 'old' is set in config but no function in /repo/stack.yaml uses it; nothing is "
        "created for it (remove it with `pulumi config rm --path 'secrets.old'`)",
    )


def test_replicas_come_from_the_scale_min_label() -> None:
    plan = kube_plan(stack(fn(labels={"com.openfaas.scale.min": "3"})))
    assert plan.functions["protectedapi"].replicas == 3


def test_resource_names_do_not_depend_on_order_or_on_other_functions() -> None:
    one = kube_plan(stack(fn("a", secrets=("k",))), {"k"})
    two = kube_plan(stack(fn("z", secrets=("k",)), fn("a", secrets=("k",))), {"k"})
    assert one.functions["a"].resource_name == two.functions["a"].resource_name == "openfaas-fn/a"
    assert one.secrets == {k: v for k, v in two.secrets.items() if k in one.secrets}
