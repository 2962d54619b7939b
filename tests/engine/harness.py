"""Run the program on the real Pulumi engine through the Automation API, in a scratch copy.

Each test gets its own copy of the project and its own file backend, so it can search every file
the engine wrote for secret values, and leaves nothing in the checkout.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import random
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from pulumi import automation as auto
from pulumi.automation import EngineEvent, OpType

from components.stackfile import StackFileError, load_stack
from tests.support.corpus import CORPUS
from tests.support.program import PROGRAM_FILES, export_program

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "engine-tests"
SWARM_LOCK = "/tmp/openfaas-swarm.lock"


def require_toolchain() -> None:
    """Fail (never skip) when the engine is missing: `make test` builds it first."""
    if shutil.which("pulumi") is None:
        raise RuntimeError("no `pulumi` on PATH: run `make toolchain` and `source .toolchain/env.sh`")


@dataclass
class EngineProject:
    """A scratch copy of the project with its own state backend and one stack."""

    workdir: Path
    backend: Path
    stack: auto.Stack
    outputs: list[str] = field(default_factory=list)

    def set_secret(self, path: str, value: str) -> None:
        """`pulumi config set --secret --path 'secrets.<path>' <value>`."""
        self.stack.set_config(f"secrets.{path}", auto.ConfigValue(value, secret=True), path=True)

    def set(self, key: str, value: Any) -> None:
        """Set plain config; objects go in through `--path` one leaf at a time, as a user would."""
        if isinstance(value, Mapping):
            for sub, inner in value.items():
                self.set(f"{key}.{sub}", inner)
            return
        if isinstance(value, list):
            for index, inner in enumerate(value):
                self.set(f"{key}[{index}]", inner)
            return
        text = value if isinstance(value, str) else json.dumps(value)
        self.stack.set_config(key, auto.ConfigValue(text), path="." in key or "[" in key)

    def preview(self) -> auto.PreviewResult:
        result = self.stack.preview(diff=True, color="never")
        self.outputs += [result.stdout, result.stderr]
        return result

    def up(self) -> auto.UpResult:
        result = self.stack.up(color="never", diff=True)
        self.outputs += [result.stdout, result.stderr]
        return result

    def destroy(self) -> auto.DestroyResult:
        result = self.stack.destroy(color="never")
        self.outputs += [result.stdout, result.stderr]
        return result

    def files_containing(self, needle: str) -> list[str]:
        """Every file of the scratch project and its backend whose bytes contain `needle`."""
        return files_containing(needle, self.workdir, self.backend)

    def exported_state(self) -> str:
        """`pulumi stack export` as a user runs it (the Automation API's export shows secrets)."""
        return self.cli("stack", "export")

    def cli(self, *args: str) -> str:
        """Run the `pulumi` CLI on this stack, as a user would, and keep its output."""
        env = {**os.environ, **self.stack.workspace.env_vars}
        result = subprocess.run(
            ["pulumi", *args, "--stack", self.stack.name, "--non-interactive"],
            cwd=self.workdir,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        self.outputs += [result.stdout, result.stderr]
        return result.stdout


def files_containing(needle: str, *folders: Path) -> list[str]:
    """Every file under `folders` (links not followed) whose bytes contain `needle`."""
    return [
        str(path)
        for base in folders
        for path in base.rglob("*")
        if path.is_file() and not path.is_symlink() and needle.encode() in path.read_bytes()
    ]


def install_program(workdir: Path, ref: str | None = None) -> None:
    """Put the program in `workdir`: the work tree's, or its files at git commit `ref`."""
    for name in PROGRAM_FILES:
        target = workdir / name
        if target.is_dir():
            shutil.rmtree(target)
        target.unlink(missing_ok=True)
    if ref is not None:
        export_program(workdir, ref)
        return
    for name in PROGRAM_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, workdir / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, workdir / name)


def new_project(
    tmp: Path, stack_prefix: str, env: Mapping[str, str] | None = None, *, ref: str | None = None
) -> EngineProject:
    """A scratch project with the example stack file and the program (at git commit `ref`, if given)."""
    workdir, backend = tmp / "project", tmp / "state"
    workdir.mkdir()
    backend.mkdir()
    shutil.copy(ROOT / "stack.yaml", workdir / "stack.yaml")
    install_program(workdir, ref)
    (workdir / ".venv").symlink_to(ROOT / ".venv")
    env_vars = {
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        **(env or {}),
    }
    stack = auto.create_stack(
        f"{stack_prefix}-{uuid.uuid4().hex[:8]}",
        work_dir=str(workdir),
        opts=auto.LocalWorkspaceOptions(env_vars=env_vars),
    )
    return EngineProject(workdir, backend, stack)


@contextlib.contextmanager
def swarm_lock() -> Iterator[None]:
    """Hold the machine-wide lock that every test creating Swarm services takes."""
    with open(SWARM_LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def free_port() -> int:
    """A free TCP port below the kernel's ephemeral range: a port the kernel hands out (bind to 0)
    may be taken by any outgoing connection between this check and Docker publishing it."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    chooser = random.SystemRandom()
    for _ in range(500):
        port = chooser.randrange(max(1024, low - 12000), low)
        with socket.socket() as sock:
            try:
                sock.bind(("", port))  # Docker publishes on every address
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free TCP port found below the ephemeral range ({low})")


def task_file(service: str, path: str) -> bytes:
    """A file as the running task of `service` sees it, read through its process's root."""
    [container] = run(
        "docker", "ps", "-q", "--no-trunc", "--filter", f"label=com.docker.swarm.service.name={service}"
    ).split()
    pid = run("docker", "inspect", "-f", "{{.State.Pid}}", container).strip()
    return Path(f"/proc/{pid}/root{path}").read_bytes()


def run(*command: str, check: bool = True) -> str:
    return subprocess.run(command, check=check, capture_output=True, text=True).stdout


def docker_json(*command: str) -> Any:
    return json.loads(run("docker", *command))


class AnsweringGateway(BaseHTTPRequestHandler):
    """Stands in for the OpenFaaS gateway of the invoke checks: every function answers 200 `ok`."""

    def do_POST(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


def add_corpus(project: EngineProject, names: Iterable[str]) -> None:
    """Copy these corpus stack files into the project's `corpus/` and give every secret they name a
    value (`corpus-value-<secret>`)."""
    folder = project.workdir / "corpus"
    folder.mkdir()
    secrets: set[str] = set()
    for name in names:
        (folder / name).write_bytes((CORPUS / name).read_bytes())
        try:
            stack = load_stack(CORPUS / name, env={})
        except StackFileError:
            continue
        secrets.update(s for fn in stack.functions.values() for s in fn.secrets)
    for secret in sorted(secrets):
        project.set_secret(secret, f"corpus-value-{secret}")


def steps(project: EngineProject) -> dict[str, str]:
    """{URN: operation} of every step of a preview."""
    events: list[EngineEvent] = []
    result = project.stack.preview(color="never", on_event=events.append)
    project.outputs += [result.stdout, result.stderr]
    metadata = [e.resource_pre_event.metadata for e in events if e.resource_pre_event is not None]
    return {m.urn: m.op.value for m in metadata}


def not_same(found: dict[str, str]) -> dict[str, str]:
    """{name: operation} of the steps that change something: not `same`, not a provider (a default
    provider's step changes no resource)."""
    return {
        urn.split("::")[-1]: op
        for urn, op in found.items()
        if op != OpType.SAME.value and "::pulumi:providers:" not in urn
    }


def require_commits(*commits: str) -> None:
    """Fail (never skip) when the clone lacks a pinned commit (a shallow clone does)."""
    for commit in commits:
        found = subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=ROOT, check=False)
        if found.returncode != 0:
            raise RuntimeError(f"commit {commit} is not in this clone: run `git fetch --unshallow`")


def summary(project: EngineProject) -> dict[str, int]:
    """{operation: count} of a preview (keys are str at run time, typed as OpType)."""
    return {str(getattr(op, "value", op)): n for op, n in (project.preview().change_summary or {}).items()}
