"""Run the program under Pulumi's mocks and record what it registers."""

from __future__ import annotations

import json
import logging
import runpy
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import rpc

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "openfaas-stack"
DEMO_SECRET = "R^YqzKzSJw51K9zPpQ3R3N"
CHECKSUM_KEY = "0" * 64


@dataclass(frozen=True)
class Registered:
    """One resource the program registered: its type, name and inputs as sent (secrets wrapped)."""

    type: str
    name: str
    inputs: Mapping[str, Any]

    def plain(self) -> dict[str, Any]:
        """The inputs with secret wrappers removed."""
        plain: dict[str, Any] = _unwrap(dict(self.inputs))
        return plain


class RecordingMocks(pulumi.runtime.Mocks):
    """Records every resource the program registers, and every warning it logs."""

    def __init__(self) -> None:
        self.registered: list[Registered] = []
        self.warnings: list[str] = []
        self.logger = logging.getLogger(f"{__name__}.{id(self)}")
        self.logger.propagate = False
        self.logger.addHandler(_WarningRecorder(self.warnings))

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.registered.append(Registered(args.typ, args.name, args.inputs))
        state = dict(args.inputs)
        if args.typ == "pulumi-python:dynamic:Resource" and args.name == "checksum-key":
            state["key"] = CHECKSUM_KEY
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None

    def of_type(self, type_: str) -> dict[str, Registered]:
        return {r.name: r for r in self.registered if r.type == type_}


class _WarningRecorder(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.WARNING:
            self.into.append(record.getMessage())


def run_program(
    workdir: Path,
    *,
    config: Mapping[str, Any] | None = None,
    secrets: object = None,
    mocks: RecordingMocks | None = None,
    secret_config: Mapping[str, str] | None = None,
) -> RecordingMocks:
    """Run `__main__.py` in `workdir` with project config and `secrets` set as secret config.

    `secrets` is normally an object (OpenFaaS name -> value); a string is set as it is, as
    `pulumi config set --secret secrets <text>` would. `secret_config` is more config set as
    secrets (`kubernetes:kubeconfig`, say). Pass `mocks` to look at what was registered and
    logged when the program fails.
    """
    mocks = RecordingMocks() if mocks is None else mocks
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="dev", preview=False, logger=mocks.logger)
    values = {
        k if ":" in k else f"{PROJECT}:{k}": v if isinstance(v, str) else json.dumps(v)
        for k, v in (config or {}).items()
    }
    secret_keys = []
    for key, value in (secret_config or {}).items():
        values[key if ":" in key else f"{PROJECT}:{key}"] = value
        secret_keys.append(key if ":" in key else f"{PROJECT}:{key}")
    if secrets is not None:
        values[f"{PROJECT}:secrets"] = secrets if isinstance(secrets, str) else json.dumps(secrets)
        secret_keys.append(f"{PROJECT}:secrets")
    pulumi.runtime.set_all_config(values, secret_keys)

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> None:
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")

    import os

    before = Path.cwd()
    os.chdir(workdir)
    try:
        program()
    finally:
        os.chdir(before)
    return mocks


def is_secret(value: Any) -> bool:
    return rpc.is_rpc_secret(value)


def _unwrap(value: Any) -> Any:
    if rpc.is_rpc_secret(value):
        return _unwrap(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value
