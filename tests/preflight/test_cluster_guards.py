"""The preflight's looks at the cluster say so when they cannot run."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.plan import DeployPlan, PlanError, make_plan
from components.preflight.inputs import _check_takeover
from components.settings import Settings
from components.stackfile import Function, Provider, StackFile
from components.targets import rules_for

INLINE = "apiVersion: v1\nkind: Config\nclusters: []\n"


def plan() -> DeployPlan:
    stack = StackFile(
        path=Path("stack.yaml"),
        provider=Provider(name="openfaas"),
        functions={"hello": Function(name="hello", image="i:1", line=4)},
    )
    return make_plan(stack, target=rules_for("kubernetes"), default_namespace="fn", configured_secrets=())


def test_an_inline_kubeconfig_turns_the_takeover_guard_off_with_a_warning() -> None:
    warnings, adoption = _check_takeover(Settings(kubeconfig=INLINE), plan(), "stack.yaml", True)
    assert [w.split(": ", 1)[1] for w in warnings] == [
        "cannot look for existing objects this stack would take over ('kubernetes:kubeconfig' holds the "
        "content, not a path): an object of the same name made by faas-cli or kubectl would be changed "
        "without a word"
    ]
    assert adoption.imports == frozenset()


def test_adopting_functions_with_an_inline_kubeconfig_is_an_error() -> None:
    settings = Settings(kubeconfig=INLINE, adopt_all_functions=True)
    with pytest.raises(PlanError) as caught:
        _check_takeover(settings, plan(), "stack.yaml", True)
    assert "config 'adoptFunctions' needs 'kubernetes:kubeconfig' to be a file path" in str(caught.value)
