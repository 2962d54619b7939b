"""Every real-world stack file in ../shared/corpus (`tests/support/corpus.py`) loads, or fails where
faas-cli fails too."""

from __future__ import annotations

import pytest

from components.plan import PlanError, make_plan
from components.stackfile import StackFileError, load_stack
from components.targets import rules_for
from components.targets.kubernetes.rules import secret_object_name
from components.targets.swarm.rules import secret_name
from tests.support.corpus import CORPUS, FILES, REJECTED


def test_the_corpus_is_present() -> None:
    assert len(FILES) >= 25, f"expected the shared corpus at {CORPUS}"


@pytest.mark.parametrize("name", [n for n in FILES if n not in REJECTED])
def test_corpus_file_loads(name: str) -> None:
    stack = load_stack(CORPUS / name, env={})
    assert stack.functions
    assert all(fn.image for fn in stack.functions.values())


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_corpus_file_is_rejected_with_file_and_line(name: str) -> None:
    line, message = REJECTED[name]
    with pytest.raises(StackFileError) as caught:
        load_stack(CORPUS / name, env={})
    assert (caught.value.path, caught.value.line) == (str(CORPUS / name), line)
    assert caught.value.message.startswith(message)


def test_upper_case_secret_names_are_valid_on_swarm() -> None:
    stack = load_stack(CORPUS / "nelfer__openfaas-bots__bot-jira-comment.yml", env={})
    names = {s for fn in stack.functions.values() for s in fn.secrets}
    plan = make_plan(
        stack, target=rules_for("swarm"), default_namespace="openfaas-fn", configured_secrets=names
    )
    assert "JIRA-URL" in {secret_name(s, file) for s in plan.secrets.values() for file in s.files}


def test_upper_case_secret_names_map_to_lower_case_kubernetes_names_keeping_the_file_name() -> None:
    stack = load_stack(CORPUS / "nelfer__openfaas-bots__bot-jira-comment.yml", env={})
    names = {s for fn in stack.functions.values() for s in fn.secrets}
    plan = make_plan(
        stack, target=rules_for("kubernetes"), default_namespace="openfaas-fn", configured_secrets=names
    )
    jira = plan.secrets["openfaas-fn/JIRA-URL"]
    assert (jira.name, secret_object_name(jira.name)) == ("JIRA-URL", "jira-url")


def test_every_loadable_corpus_file_plans_on_swarm_or_fails_before_anything_is_applied() -> None:
    for name in FILES:
        if name in REJECTED:
            continue
        stack = load_stack(CORPUS / name, env={})
        names = {s for fn in stack.functions.values() for s in fn.secrets}
        for target in ("swarm", "kubernetes"):
            try:
                make_plan(
                    stack, target=rules_for(target), default_namespace="openfaas-fn", configured_secrets=names
                )
            except PlanError as error:
                assert str(error).startswith(str(CORPUS / name)), error
