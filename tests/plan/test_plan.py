"""Planning checks a stack file against a target and the configured secrets, before any resource."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from components.plan import DeployPlan, PlanError, SecretPlan, make_plan
from components.stackfile import Function, FunctionResources, Provider, StackFile
from components.targets import rules_for
from components.targets.kubernetes.rules import secret_object_name
from components.targets.swarm.rules import parse_memory_bytes, parse_nano_cpus

PATH = Path("/repo/stack.yaml")


def stack(*functions: Function) -> StackFile:
    return StackFile(PATH, Provider("openfaas"), {f.name: f for f in functions})


def fn(name: str = "protectedapi", line: int = 6, **fields: object) -> Function:
    fields.setdefault("image", "functions/api-key-protected:latest")
    return Function(name=name, line=line, **fields)  # type: ignore[arg-type]


def kube_plan(s: StackFile, secrets: set[str] | None = None, empty: set[str] | None = None) -> DeployPlan:
    return make_plan(
        s,
        target=rules_for("kubernetes"),
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
        target=rules_for("swarm"),
        default_namespace="openfaas-fn",
        configured_secrets={"secret_api_key"},
    )
    assert plan.secrets == {"secret_api_key": SecretPlan("secret_api_key", "", ("secret_api_key",))}


def test_a_function_name_kubernetes_rejects_is_an_error_before_anything_is_applied() -> None:
    with pytest.raises(PlanError, match=r"function 'Api_Fn': the name must be a valid DNS-1035 label"):
        kube_plan(stack(fn("Api_Fn")))


def test_an_unknown_target_says_which_are_known() -> None:
    with pytest.raises(PlanError, match=r"unknown target 'nomad'"):
        rules_for("nomad")


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


@pytest.mark.parametrize(
    ("text", "expected"), [("64m", 64 << 20), ("128Mi", 128 << 20), ("1g", 1 << 30), ("512", 512)]
)
def test_memory_is_read_as_docker_reads_it(text: str, expected: int) -> None:
    assert parse_memory_bytes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("500m", 500_000_000), ("0.5", 500_000_000), ("2", 2_000_000_000), ("100000000", 100_000_000)],
)
def test_cpu_is_read_as_nano_cpus(text: str, expected: int) -> None:
    assert parse_nano_cpus(text) == expected


def swarm_plan(
    s: StackFile, secrets: dict[str, tuple[str, ...]], sizes: dict[str, dict[str, int]]
) -> DeployPlan:
    return make_plan(
        s, target=rules_for("swarm"), default_namespace="", configured_secrets=secrets, file_sizes=sizes
    )


def plan_error(build: Callable[[], object]) -> str:
    with pytest.raises(PlanError) as caught:
        build()
    return str(caught.value)


def test_a_kubernetes_secret_over_one_mebibyte_is_refused() -> None:
    files = {"tls": ("tls.crt", "tls.key")}
    sizes = {"tls": {"tls.crt": 600_000, "tls.key": 500_000}}
    assert plan_error(
        lambda: make_plan(
            stack(fn(secrets=("tls",))),
            target=rules_for("kubernetes"),
            default_namespace="openfaas-fn",
            configured_secrets=files,
            file_sizes=sizes,
        )
    ) == (
        "secret 'tls' holds 1100000 bytes: a Kubernetes Secret holds at most 1 MiB (1048576 bytes): "
        "split it into several secrets"
    )


def test_a_kubernetes_secret_of_exactly_one_mebibyte_is_accepted() -> None:
    plan = make_plan(
        stack(fn(secrets=("k",))),
        target=rules_for("kubernetes"),
        default_namespace="openfaas-fn",
        configured_secrets={"k": ("k",)},
        file_sizes={"k": {"k": 1 << 20}},
    )
    assert list(plan.secrets) == ["openfaas-fn/k"]


def test_a_swarm_secret_file_over_500_kibibytes_is_refused() -> None:
    assert plan_error(
        lambda: swarm_plan(stack(fn(secrets=("k",))), {"k": ("k",)}, {"k": {"k": 500 * 1024 + 1}})
    ) == (
        "secret 'k': file 'k' holds 512001 bytes: a Docker secret holds at most 500 KiB (512000 bytes): "
        "make it smaller"
    )


def test_a_swarm_secret_file_name_is_counted_with_the_secret_and_the_suffix() -> None:
    name = "s" * 50
    assert plan_error(lambda: swarm_plan(stack(fn(secrets=(name,))), {name: ("config",)}, {})) == (
        f"secret {name!r} (file 'config') becomes the Docker secret '{name}.config' plus the provider's "
        "8-character suffix (-<7 hex>), more than Docker's 64: make '<secret>.<file>' (or the secret's "
        "name) at most 56 characters"
    )


def test_a_swarm_secret_name_of_56_characters_is_accepted() -> None:
    name = "s" * 56
    plan = swarm_plan(stack(fn(secrets=(name,))), {name: (name,)}, {})
    assert list(plan.secrets) == [name]


@pytest.mark.parametrize(
    ("function", "secrets"),
    [
        (fn("hello\n"), {}),
        (fn("hello", image="functions/hello:latest\n"), {}),
        (fn("hello", secrets=("api-key\n",)), {"api-key\n": ("api-key\n",)}),
        (fn("hello", limits=FunctionResources(memory="128Mi\n")), {}),
        (fn("hello", limits=FunctionResources(cpu="\uff11\uff10\uff10m")), {}),
    ],
    ids=["function name", "image", "secret", "memory", "cpu in full-width digits"],
)
def test_a_name_or_value_ending_in_a_newline_or_in_unicode_digits_is_refused(
    function: Function, secrets: dict[str, tuple[str, ...]]
) -> None:
    with pytest.raises(PlanError):
        make_plan(
            stack(function),
            target=rules_for("kubernetes"),
            default_namespace="openfaas-fn",
            configured_secrets=secrets,
        )


@pytest.mark.parametrize("text", ["nan", "inf", "1e400", "-inf", "\uff15"])
def test_a_cpu_amount_that_is_not_a_number_is_none_not_a_crash(text: str) -> None:
    assert parse_nano_cpus(text) is None


def test_a_scale_min_of_zero_deploys_one_replica_as_faas_netes_does() -> None:
    plan = kube_plan(stack(fn(labels={"com.openfaas.scale.min": "0"})))
    assert plan.functions["protectedapi"].replicas == 1
