"""Bad input stops the program with one clear message, before any resource is registered; doubtful
input is warned about and the program proceeds; neither shows a secret anywhere.

The cases are data, in the format of `tests/support/bad_cases.py`, filed by where the user makes
the fix: `tests/cases/stack_file/` (the stack file, its `environment_file`s and `${VAR}`
substitution) and `tests/cases/config/` (the Pulumi stack config: secrets, target, checks, gateway,
kubeconfig and every other key). Every case runs the whole program under mocks and searches
everything it produced (the error, the warnings, captured stdout/stderr, and every resource input
outside a secret wrapper) for each secret value in every encoding of `tests/support/secret_search.py`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.bad_cases import CASE_FOLDERS, WORKLOADS, BadInput, load_cases, run_case
from tests.support.secret_search import leaks

BY_FOLDER = {name: load_cases(folder) for name, folder in CASE_FOLDERS.items()}
ALL = [(f"{folder}/{case.name}", case) for folder, cases in BY_FOLDER.items() for case in cases]
ERRORS = [(name, case) for name, case in ALL if case.expect is not None]
WARNINGS = [(name, case) for name, case in ALL if case.warn is not None]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path.resolve() / "project"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("case", [case for _, case in ERRORS], ids=[name for name, _ in ERRORS])
def test_bad_input_stops_with_its_message_before_any_resource(
    case: BadInput, project: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    outcome = run_case(case, project, monkeypatch, capfd)
    assert outcome.error == case.message(str(case.expect), project)
    assert outcome.mocks.registered == []
    assert "Traceback" not in outcome.everything()
    assert leaks(outcome.everything(), case.secret_values()) == []


@pytest.mark.parametrize("case", [case for _, case in WARNINGS], ids=[name for name, _ in WARNINGS])
def test_doubtful_input_is_warned_about_once_and_the_program_proceeds(
    case: BadInput, project: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    outcome = run_case(case, project, monkeypatch, capfd)
    assert outcome.error is None
    assert outcome.mocks.warnings == [case.message(text, project) for text in case.warn or ()]
    assert set(outcome.mocks.of_type(WORKLOADS[case.target])) == case.functions()
    assert "Traceback" not in outcome.everything()
    assert leaks(outcome.everything(), case.secret_values()) == []


def test_there_are_at_least_forty_bad_inputs_on_both_targets() -> None:
    errors = [case for case in BY_FOLDER["stack_file"] if case.expect is not None]
    assert len(errors) >= 40
    assert {case.target for case in errors} >= {"kubernetes", "swarm"}


def test_every_case_says_what_it_is() -> None:
    assert [name for name, case in ALL if not case.what.strip()] == []
