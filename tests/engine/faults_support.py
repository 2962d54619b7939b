"""Helpers for the fault tests: a three-function stack on the local Swarm, driven by the CLI.

Every stack gets its own function and secret names (`fault-<hex>-a|b|c`, `fs_<hex>_a|b|c`), so
the tests can say exactly what must exist on the Swarm, and clean up only what they made.
`pulumi` runs as a subprocess, as a user runs it, so it can be interrupted and killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.engine.harness import EngineProject, new_project, run

IMAGE = "functions/api-key-protected"
LETTERS = ("a", "b", "c")
SERVICE_TYPE = "docker:index/service:Service"
SECRET_TYPE = "docker:index/secret:Secret"


# -- a fault stack ---------------------------------------------------------------------------


@dataclass
class CliResult:
    returncode: int
    output: str


@dataclass
class FaultStack:
    """Three functions, each mounting its own secret, in a scratch project with a file backend."""

    project: EngineProject
    tmp: Path
    hexid: str
    secret_values: dict[str, str]
    logs: list[Path] = field(default_factory=list)
    started: list[int] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def functions(self) -> list[str]:
        return [f"fault-{self.hexid}-{letter}" for letter in LETTERS]

    @property
    def secret_names(self) -> list[str]:
        return sorted(self.secret_values)

    @property
    def name(self) -> str:
        return self.project.stack.name

    def write_stack_file(self, images: Mapping[str, str] | None = None) -> None:
        lines = ["version: 1.0", "provider:", "  name: openfaas", "functions:"]
        for function, secret in zip(self.functions, self.secret_names, strict=True):
            image = (images or {}).get(function, f"{IMAGE}:latest")
            lines += [f"  {function}:", f"    image: {image}", "    secrets:", f"      - {secret}"]
        (self.project.workdir / "stack.yaml").write_text("\n".join(lines) + "\n")

    def env(self) -> dict[str, str]:
        return {**os.environ, **self.project.stack.workspace.env_vars, **self.extra_env}

    def command(self, *args: str) -> list[str]:
        return ["pulumi", *args, "--stack", self.name, "--non-interactive", "--color", "never"]

    def cli(self, *args: str) -> CliResult:
        """Run `pulumi <args>` to the end; the output (stdout and stderr) is kept for the search."""
        done = subprocess.run(
            self.command(*args),
            cwd=self.project.workdir,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.project.outputs.append(done.stdout)
        return CliResult(done.returncode, done.stdout)

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        """Start `pulumi <args>` in the background in its own session; output goes to a log file."""
        log = self.tmp / f"pulumi-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            process = subprocess.Popen(
                self.command(*args),
                cwd=self.project.workdir,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append(process.pid)
        return process

    def log_text(self, index: int = -1) -> str:
        return self.logs[index].read_text(errors="replace")

    # -- what exists ---------------------------------------------------------------------------

    def swarm_services(self) -> dict[str, str]:
        """Name -> ID of every Swarm service named for this stack's functions."""
        names = run(
            "docker", "service", "ls", "--filter", f"name=fault-{self.hexid}-", "--format", "{{.Name}}"
        )
        if not names.split():
            return {}
        out = run("docker", "service", "inspect", "--format", "{{.Spec.Name}} {{.ID}}", *names.split())
        return dict(line.split() for line in out.splitlines() if line.strip())

    def swarm_secrets(self) -> dict[str, str]:
        """Name -> ID of every Swarm secret named for this stack's secrets."""
        out = run(
            "docker", "secret", "ls", "--filter", f"name=fs_{self.hexid}_", "--format", "{{.Name}} {{.ID}}"
        )
        return dict(line.split() for line in out.splitlines() if line.strip())

    def state(self) -> dict[str, Any]:
        """The deployment as `pulumi stack export` prints it (secrets stay encrypted)."""
        result = self.cli("stack", "export")
        assert result.returncode == 0, result.output
        deployment: dict[str, Any] = json.loads(result.output)["deployment"]
        return deployment

    def state_objects(self, type_: str) -> dict[str, str]:
        """Object name -> ID of the resources of `type_` in the state."""
        return {
            r["outputs"]["name"]: r["id"]
            for r in self.state().get("resources", [])
            if r["type"] == type_ and not r.get("delete")
        }

    def pending(self) -> list[tuple[str, str]]:
        """(operation, URN) of every pending operation the state records."""
        return [(op["type"], op["resource"]["urn"]) for op in self.state().get("pending_operations") or []]

    def locks(self) -> list[Path]:
        folder = self.project.backend / ".pulumi" / "locks"
        return sorted(p for p in folder.rglob("*.json")) if folder.exists() else []

    # -- checks ----------------------------------------------------------------------------------

    def assert_converged(self) -> None:
        """Exactly one service per function and exactly the secrets the state holds, nothing pending."""
        services, secrets = self.swarm_services(), self.swarm_secrets()
        assert sorted(services) == self.functions
        assert self.state_objects(SERVICE_TYPE) == services
        assert self.state_objects(SECRET_TYPE) == secrets
        assert sorted(name.rsplit("-", 1)[0] for name in secrets) == self.secret_names
        assert self.pending() == []
        assert self.locks() == []

    def assert_no_secret_value_anywhere(self) -> None:
        exported = self.cli("stack", "export").output
        texts = [*self.project.outputs, *(log.read_text(errors="replace") for log in self.logs)]
        for value in self.secret_values.values():
            assert value not in exported
            assert [text for text in texts if value in text] == []
            assert self.files_containing(value) == []

    def files_containing(self, needle: str) -> list[str]:
        """Every file under the test's folder (project, backend, logs) whose bytes hold `needle`."""
        return [
            str(path)
            for path in self.tmp.rglob("*")
            if path.is_file() and not path.is_symlink() and needle.encode() in path.read_bytes()
        ]

    def destroy_and_assert_nothing_left(self) -> None:
        result = self.cli("destroy", "--yes")
        assert result.returncode == 0, result.output
        assert self.swarm_services() == {}
        assert self.swarm_secrets() == {}
        assert self.state_objects(SERVICE_TYPE) == {}
        assert self.state_objects(SECRET_TYPE) == {}

    def clean_up(self) -> None:
        """Remove whatever a failed test left: processes it started, services, secrets, the stack."""
        for pid in self.started:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.CalledProcessError):
            for service in self.swarm_services():
                run("docker", "service", "rm", service, check=False)
            deadline = time.monotonic() + 30
            while self.swarm_secrets() and time.monotonic() < deadline:
                for secret in self.swarm_secrets():
                    run("docker", "secret", "rm", secret, check=False)
                time.sleep(0.5)
        for lock in self.locks():
            lock.unlink()
        self.cli("stack", "rm", "--yes", "--force")


def new_fault_stack(tmp: Path) -> FaultStack:
    hexid = uuid.uuid4().hex[:8]
    project = new_project(tmp, "faults")
    values = {f"fs_{hexid}_{letter}": f"V{letter}-{uuid.uuid4().hex}" for letter in LETTERS}
    stack = FaultStack(project, tmp, hexid, values)
    stack.write_stack_file()
    project.set("target", "swarm")
    project.set("swarmConvergeTimeout", "15s")
    for name, value in values.items():
        project.set_secret(name, value)
    for function in stack.functions:
        project.set(f"checks.{function}.enabled", False)
    return stack


# -- processes -------------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (Pulumi's language host and provider plugins)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(stat.parent.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def alive(pids: Sequence[int]) -> list[int]:
    living = []
    for pid in pids:
        with contextlib.suppress(OSError):
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            if state != "Z":
                living.append(pid)
    return living


def wait_for(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


# -- a Docker API proxy whose death looks like dockerd going away ----------------------------


def proxy_command(listen: Path, target: str = "/var/run/docker.sock") -> list[str]:
    return [sys.executable, "-m", "tests.engine.faults_support", "proxy", str(listen), target]


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


def _serve_proxy(listen: str, target: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(listen)
    server = socket.socket(socket.AF_UNIX)
    server.bind(listen)
    server.listen(64)
    while True:
        client, _ = server.accept()
        upstream = socket.socket(socket.AF_UNIX)
        upstream.connect(target)
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


if __name__ == "__main__" and sys.argv[1:2] == ["proxy"]:
    _serve_proxy(sys.argv[2], sys.argv[3])
