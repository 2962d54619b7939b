"""Bad or doubtful input as data: the case folders `tests/cases/stack_file/` and
`tests/cases/config/`, their case format, and one way to run a case under mocks and collect
everything it produced.

A case is one YAML file:

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
    hidden: [text, ...]   # optional: more values that must never show (a gateway password)
    shown: [text, ...]    # optional: secret values the case itself writes in a plain setting
                          # (a coincidence it is warned about), left out of the search

In a message, `{stack}` stands for the stack file's path, `{dir}` for the project folder and
`{config}` for the stack's config file (`Pulumi.dev.yaml` here).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.runtime import rpc

from tests.support.mocks import RecordingMocks, run_program
from tests.support.secret_search import config_leaves

# The cases, filed by where the user makes the fix: the stack file (its `environment_file`s and
# `${VAR}` substitution) and the Pulumi stack config (secrets, target, checks, gateway, kubeconfig
# and every other key).
CASES = Path(__file__).resolve().parents[1] / "cases"
STACK_FILE_CASES = CASES / "stack_file"
CONFIG_CASES = CASES / "config"
CASE_FOLDERS = {folder.name: folder for folder in (STACK_FILE_CASES, CONFIG_CASES)}

KEYS = frozenset({"what", "config", "env", "stack", "files", "expect", "warn", "hidden", "shown"})
WORKLOADS = {"kubernetes": "kubernetes:apps/v1:Deployment", "swarm": "docker:index/service:Service"}
# Shorter values are too likely to occur in any text by chance.
MIN_SEARCHED = 6


@dataclass(frozen=True)
class BadInput:
    """One case: its input, and the error or the warnings it must give."""

    name: str
    what: str
    config: Mapping[str, Any]
    secrets: object
    env: Mapping[str, str | None]
    stack: str | None
    files: Mapping[str, str | Mapping[str, object]]
    expect: str | None
    warn: tuple[str, ...] | None
    hidden: tuple[str, ...] = ()
    shown: tuple[str, ...] = ()

    @property
    def target(self) -> str:
        return str(self.config.get("target", "kubernetes"))

    @property
    def stack_file(self) -> str:
        return str(self.config.get("stackFile") or "stack.yaml")

    def functions(self) -> set[str]:
        """The names of the workloads a case that proceeds must declare."""
        # composed, not loaded: a case may hold tags PyYAML cannot construct
        root = yaml.compose(str(self.stack))
        assert isinstance(root, yaml.MappingNode), self.name
        [functions] = [value for key, value in root.value if key.value == "functions"]
        names = [key.value for key, _ in functions.value]
        return {name if self.target == "swarm" else f"openfaas-fn/{name}" for name in names}

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
        """Every secret value the case sets, and its hidden values, to search all output for."""
        values = (*config_leaves(self.secrets), *self.hidden)
        return [v for v in values if len(v.strip()) >= MIN_SEARCHED and v not in self.shown]


def load_case(path: Path) -> BadInput:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = set(raw) - KEYS
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
        hidden=tuple(raw.get("hidden") or ()),
        shown=tuple(raw.get("shown") or ()),
    )


def load_cases(folder: Path) -> list[BadInput]:
    return [load_case(path) for path in sorted(folder.glob("*.yaml"))]


@dataclass
class Outcome:
    """What one run produced: the error (if any), warnings, captured output, registrations."""

    error: str | None
    mocks: RecordingMocks
    captured: str

    def everything(self) -> str:
        """All of it as one text, every resource input outside a secret wrapper included."""
        inputs = [_outside_secrets(dict(r.inputs)) for r in self.mocks.registered]
        return "\n".join([self.error or "", *self.mocks.warnings, self.captured, json.dumps(inputs)])


def run_case(
    case: BadInput, folder: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> Outcome:
    """Run the program on the case in `folder` (no kubeconfig unless the case names one)."""
    case.write(folder)
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


def _outside_secrets(value: Any) -> Any:
    """The inputs with every secret-wrapped value replaced (those are encrypted in the state)."""
    if rpc.is_rpc_secret(value):
        return "[secret input]"
    if isinstance(value, dict):
        return {k: _outside_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_outside_secrets(v) for v in value]
    return value
