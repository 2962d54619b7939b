"""What a stack would create on the cluster, and which of it no stack may take over."""

from __future__ import annotations

from pathlib import Path

from components.plan import DeployPlan, make_plan
from components.stackfile import Function, Provider, StackFile
from components.targets import rules_for
from components.targets.kubernetes.takeover import (
    Wanted,
    system_problems,
    takeover_problems,
    wanted_objects,
)


def plan_of(namespace: str = "openfaas-fn", name: str = "hello") -> DeployPlan:
    stack = StackFile(
        path=Path("stack.yaml"),
        provider=Provider(name="openfaas"),
        functions={name: Function(name=name, image="i:1", line=4, secrets=("api_key",))},
    )
    return make_plan(
        stack, target=rules_for("kubernetes"), default_namespace=namespace, configured_secrets=("api_key",)
    )


def test_a_function_wants_its_deployment_service_and_secret_and_its_namespace_when_created() -> None:
    wanted = wanted_objects(plan_of(), "stack.yaml", frozenset(), True, "deployment")
    assert [(w.kind, w.namespace, w.name) for w in wanted] == [
        ("Deployment", "openfaas-fn", "hello"),
        ("Service", "openfaas-fn", "hello"),
        ("Secret", "openfaas-fn", "api-key"),
        ("Namespace", "", "openfaas-fn"),
    ]


def test_an_adopted_secret_and_the_operators_objects_are_not_wanted() -> None:
    assert wanted_objects(plan_of(), "stack.yaml", frozenset({"api_key"}), False, "function-crd") == []


def test_a_system_namespace_is_refused_once_per_function() -> None:
    wanted = wanted_objects(plan_of("kube-public"), "stack.yaml", frozenset(), False, "deployment")
    assert system_problems(wanted) == [
        "stack.yaml:4: function 'hello' would write into the system namespace 'kube-public': deploy "
        "functions to a namespace of their own (config 'namespace' or the function's 'namespace:')",
        "secret 'api_key' would write into the system namespace 'kube-public': deploy functions to a "
        "namespace of their own (config 'namespace' or the function's 'namespace:')",
    ]


def test_the_api_servers_own_service_is_refused() -> None:
    wanted = wanted_objects(plan_of("default", "kubernetes"), "s", frozenset(), False, "deployment")
    assert system_problems(wanted) == [
        "s:4: function 'kubernetes' would replace the API server's own Service default/kubernetes: "
        "rename the function or deploy it to another namespace"
    ]


def test_a_foreign_secret_is_named_with_its_manager_and_the_adopt_command() -> None:
    secret = Wanted("Secret", "fn", "api-key", "secret 'api_key'", "api_key")
    assert takeover_problems([(secret, "kubectl-create")]) == [
        "secret 'api_key' would take over the existing Secret fn/api-key, which this stack did not make "
        "(managed by kubectl-create) and would change or delete it: adopt it with "
        "`pulumi config set --path 'adoptSecrets[0]' api_key` (its data is then replaced by the "
        "configured value), or rename the secret"
    ]
