"""Bad or doubtful config and check settings, as data: one clear message, and no secret anywhere.

Each file in `tests/bad_config/` is one case, in the format of `tests/bad_inputs/` (see
tests/test_bad_inputs.py), plus:

    hidden: [text, ...]   # optional: more values that must never show (a gateway password)
    shown: [text, ...]    # optional: secret values the case itself writes in a plain setting
                          # (a coincidence it is warned about), left out of the search

Every case runs the whole program under mocks and searches everything it produced (the error,
the warnings, captured stdout/stderr, and every resource input outside a secret wrapper) for each
secret value in every encoding of `tests/secret_search.py`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.runtime import rpc

from tests.mocks import RecordingMocks, run_program
from tests.secret_search import config_leaves, leaks

CASES = Path(__file__).resolve().parent / "bad_config"
WORKLOADS = {"kubernetes": "kubernetes:apps/v1:Deployment", "swarm": "docker:index/service:Service"}


@dataclass(frozen=True)
class Case:
    """One case of `tests/bad_config/`."""

    name: str
    what: str
    config: Mapping[str, Any]
    secrets: object
    env: Mapping[str, str | None]
    stack: str
    files: Mapping[str, str]
    expect: str | None
    warn: tuple[str, ...] | None
    hidden: tuple[str, ...]
    shown: tuple[str, ...]

    @property
    def target(self) -> str:
        return str(self.config.get("target", "kubernetes"))

    def fill(self, text: str, folder: Path) -> str:
        """`text` with `{stack}`, `{dir}` and `{config}` filled in for a project in `folder`."""
        return (
            text.replace("{stack}", str(folder / "stack.yaml"))
            .replace("{dir}", str(folder))
            .replace("{config}", "Pulumi.dev.yaml")
        )

    def secret_values(self) -> list[str]:
        """Every secret value the case sets (6 characters or more), and the hidden values."""
        values = (*config_leaves(self.secrets), *self.hidden)
        return [v for v in values if len(v.strip()) >= 6 and v not in self.shown]


def load(path: Path) -> Case:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = set(raw) - {"what", "config", "env", "stack", "files", "expect", "warn", "hidden", "shown"}
    assert not unknown, f"{path.name}: unknown keys {unknown}"
    assert ("expect" in raw) != ("warn" in raw), f"{path.name}: give either expect or warn"
    config = dict(raw.get("config") or {})
    secrets = config.pop("secrets", None)
    warn = raw.get("warn")
    return Case(
        name=path.stem,
        what=raw["what"],
        config=config,
        secrets=secrets,
        env=raw.get("env") or {},
        stack=raw["stack"],
        files=raw.get("files") or {},
        expect=raw.get("expect"),
        warn=None if warn is None else tuple([warn] if isinstance(warn, str) else warn),
        hidden=tuple(raw.get("hidden") or ()),
        shown=tuple(raw.get("shown") or ()),
    )


ALL = [load(path) for path in sorted(CASES.glob("*.yaml"))]
ERRORS = [case for case in ALL if case.expect is not None]
WARNINGS = [case for case in ALL if case.warn is not None]


@dataclass
class Outcome:
    """What one run produced: the error (if any), warnings, captured output, registrations."""

    error: str | None
    mocks: RecordingMocks
    captured: str

    def everything(self) -> str:
        inputs = [_outside_secrets(dict(r.inputs)) for r in self.mocks.registered]
        return "\n".join([self.error or "", *self.mocks.warnings, self.captured, json.dumps(inputs)])


def run(
    case: Case, folder: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> Outcome:
    for name, text in {"stack.yaml": case.stack, **case.files}.items():
        (folder / name).write_text(text, encoding="utf-8")
    for name, value in {"KUBECONFIG": str(folder / "no-kubeconfig"), **case.env}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    mocks = RecordingMocks()
    error: str | None = None
    try:
        run_program(folder, config=case.config, secrets=case.secrets, mocks=mocks)
    except pulumi.RunError as caught:
        error = str(caught)
    out, err = capfd.readouterr()
    return Outcome(error, mocks, out + err)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path.resolve() / "project"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("case", ERRORS, ids=[c.name for c in ERRORS])
def test_bad_config_stops_with_its_message_before_any_resource(
    case: Case, project: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    outcome = run(case, project, monkeypatch, capfd)
    assert outcome.error == case.fill(str(case.expect), project)
    assert outcome.mocks.registered == []
    assert "Traceback" not in outcome.everything()
    assert leaks(outcome.everything(), case.secret_values()) == []


@pytest.mark.parametrize("case", WARNINGS, ids=[c.name for c in WARNINGS])
def test_doubtful_config_is_warned_about_and_the_program_proceeds(
    case: Case, project: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    outcome = run(case, project, monkeypatch, capfd)
    assert outcome.error is None
    assert outcome.mocks.warnings == [case.fill(text, project) for text in case.warn or ()]
    assert set(outcome.mocks.of_type(WORKLOADS[case.target])) == {
        name if case.target == "swarm" else f"openfaas-fn/{name}"
        for name in yaml.safe_load(case.stack)["functions"]
    }
    assert "Traceback" not in outcome.everything()
    assert leaks(outcome.everything(), case.secret_values()) == []


def test_every_case_says_what_it_is() -> None:
    assert [case.name for case in ALL if not case.what.strip()] == []


def _outside_secrets(value: Any) -> Any:
    """The inputs with every secret-wrapped value replaced (those are encrypted in the state)."""
    if rpc.is_rpc_secret(value):
        return "[secret input]"
    if isinstance(value, dict):
        return {k: _outside_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_outside_secrets(v) for v in value]
    return value
