"""Bad input stops the program with one clear message, before any resource is registered.

Each file in `tests/bad_inputs/` is one case, as data:

    what: one line saying what is wrong
    config: {target: ..., secrets: {...}, ...}   # project config as a user sets it; `secrets` is
                                                 # set as secret config (a string is set as it is)
    env: {VAR: value or null}                    # optional: the process environment for ${VAR}
    stack: |                                     # the stack file; absent: there is none
      ...
    files: {env.yml: ...}                        # optional: more files next to the stack file;
                                                 # a value {fifo: true}, {symlink: target} or
                                                 # {bytes: N} makes a FIFO, a symlink or N bytes
    expect: the exact error                      # or
    warn: the exact warning (or a list of them)  # the program must proceed

In a message, `{stack}` stands for the stack file's path, `{dir}` for the project folder and
`{config}` for the stack's config file (`Pulumi.dev.yaml` here).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from tests.mocks import RecordingMocks, run_program
from tests.secret_search import config_leaves

CASES = Path(__file__).resolve().parent / "bad_inputs"
WORKLOADS = {"kubernetes": "kubernetes:apps/v1:Deployment", "swarm": "docker:index/service:Service"}


@dataclass(frozen=True)
class BadInput:
    """One case of `tests/bad_inputs/`."""

    name: str
    what: str
    config: Mapping[str, Any]
    secrets: object
    env: Mapping[str, str | None]
    stack: str | None
    files: Mapping[str, str | Mapping[str, object]]
    expect: str | None
    warn: tuple[str, ...] | None

    @property
    def target(self) -> str:
        return str(self.config.get("target", "kubernetes"))

    @property
    def stack_file(self) -> str:
        return str(self.config.get("stackFile") or "stack.yaml")

    def write(self, folder: Path) -> None:
        """Put the stack file and the other files in `folder`."""
        files = dict(self.files)
        if self.stack is not None:
            files[self.stack_file] = self.stack
        for name, text in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, str):
                (folder / name).write_text(text, encoding="utf-8")
            elif text.get("fifo"):
                os.mkfifo(folder / name)
            elif "symlink" in text:
                (folder / name).symlink_to(str(text["symlink"]))
            else:
                (folder / name).write_bytes(b"#" * int(str(text["bytes"])))

    def message(self, text: str, folder: Path, stack: str = "dev") -> str:
        """`text` with `{stack}`, `{dir}` and `{config}` filled in for a project in `folder`."""
        return (
            text.replace("{stack}", str(folder / self.stack_file))
            .replace("{dir}", str(folder))
            .replace("{config}", f"Pulumi.{stack}.yaml")
        )

    def secret_values(self) -> list[str]:
        """Every secret value the case sets, to search messages for."""
        return [v for v in config_leaves(self.secrets) if len(v) >= 8]


def load_case(path: Path) -> BadInput:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = set(raw) - {"what", "config", "env", "stack", "files", "expect", "warn"}
    assert not unknown, f"{path.name}: unknown keys {unknown}"
    assert ("expect" in raw) != ("warn" in raw), f"{path.name}: give either expect or warn"
    config = dict(raw.get("config") or {})
    secrets = config.pop("secrets", None)
    warn = raw.get("warn")
    return BadInput(
        name=path.stem,
        what=raw["what"],
        config=config,
        secrets=secrets,
        env=raw.get("env") or {},
        stack=raw.get("stack"),
        files=raw.get("files") or {},
        expect=raw.get("expect"),
        warn=None if warn is None else tuple([warn] if isinstance(warn, str) else warn),
    )


ALL = [load_case(path) for path in sorted(CASES.glob("*.yaml"))]
ERRORS = [case for case in ALL if case.expect is not None]
WARNINGS = [case for case in ALL if case.warn is not None]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path.resolve() / "project"
    folder.mkdir()
    return folder


def run_case(case: BadInput, folder: Path, monkeypatch: pytest.MonkeyPatch, mocks: RecordingMocks) -> None:
    case.write(folder)
    for name, value in case.env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    run_program(folder, config=case.config, secrets=case.secrets, mocks=mocks)


@pytest.mark.parametrize("case", ERRORS, ids=[c.name for c in ERRORS])
def test_bad_input_stops_with_its_message_before_any_resource(
    case: BadInput, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mocks = RecordingMocks()
    with pytest.raises(pulumi.RunError) as caught:
        run_case(case, project, monkeypatch, mocks)
    message = str(caught.value)
    assert message == case.message(str(case.expect), project)
    assert mocks.registered == []
    assert "Traceback" not in message
    assert [value for value in case.secret_values() if value in message] == []


@pytest.mark.parametrize("case", WARNINGS, ids=[c.name for c in WARNINGS])
def test_doubtful_input_is_warned_about_once_and_the_program_proceeds(
    case: BadInput, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mocks = RecordingMocks()
    run_case(case, project, monkeypatch, mocks)
    assert mocks.warnings == [case.message(text, project) for text in case.warn or ()]
    assert set(mocks.of_type(WORKLOADS[case.target])) == {
        name if case.target == "swarm" else f"openfaas-fn/{name}"
        for name in yaml.safe_load(str(case.stack))["functions"]
    }


def test_there_are_at_least_forty_bad_inputs_on_both_targets() -> None:
    assert len(ERRORS) >= 40
    assert {case.target for case in ERRORS} >= {"kubernetes", "swarm"}


def test_every_case_says_what_it_is() -> None:
    assert [case.name for case in ALL if not case.what.strip()] == []
