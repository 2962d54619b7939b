"""Run the real faas-cli (built by `make faas-cli`) on a stack file and record what it would deploy.

`generate` prints the `openfaas.com/v1` Function resources; for the fields it does not print (a
function's own `namespace`, `fprocess`), `deploy` runs against `Recorder`, an HTTP server on
127.0.0.1 that answers every call with 200 and keeps the request bodies.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import subprocess
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30


def pinned_commit() -> str:
    """FAAS_CLI_COMMIT from `toolchain/versions.env`."""
    text = (ROOT / "toolchain/versions.env").read_text(encoding="utf-8")
    match = re.search(r"^FAAS_CLI_COMMIT=([0-9a-f]{40})$", text, re.M)
    assert match, "FAAS_CLI_COMMIT is missing from toolchain/versions.env"
    return match.group(1)


def binary() -> Path | None:
    """The faas-cli that `scripts/faas-cli.sh` builds, if it is there and is the pinned commit."""
    cache = Path(os.environ.get("OPENFAAS_STACK_CACHE") or Path.home() / ".cache/openfaas-stack")
    path = cache / "bin/faas-cli"
    if not os.access(path, os.X_OK):
        return None
    version = _run([str(path), "version"], cache, {"HOME": str(cache), "PATH": "/usr/bin:/bin"})
    return path if f"commit:  {pinned_commit()}" in version.stdout else None


@dataclass
class Recorder:
    """The gateway `faas-cli deploy` talks to: records each deployment's JSON body by function."""

    port: int = 0
    bodies: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> list[dict[str, Any]]:
        with self.lock:
            taken, self.bodies = self.bodies, []
        return taken


@contextmanager
def recording_gateway() -> Iterator[Recorder]:
    """A `Recorder` serving on 127.0.0.1 for the duration of the block."""
    recorder = Recorder()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if self.path == "/system/functions":
                with recorder.lock:
                    recorder.bodies.append(json.loads(body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_PUT

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class Result:
    """What faas-cli made of a stack file: accepted or not, and each function's fields."""

    accepted: bool
    functions: Mapping[str, Mapping[str, object]]
    output: str = ""


def run(
    faas_cli: Path,
    folder: Path,
    stack: str,
    env: Mapping[str, str],
    recorder: Recorder,
    *,
    filter: str = "",
    regex: str = "",
) -> Result:
    """`faas-cli generate`, then `faas-cli deploy` to `recorder`, in `folder` with exactly `env`."""
    selection = [f"--filter={filter}"] if filter else [f"--regex={regex}"] if regex else []
    generate = _run([str(faas_cli), "generate", "-f", stack, *selection], folder, env)
    if generate.returncode != 0:
        return Result(False, {}, generate.stdout + generate.stderr)
    functions: dict[str, dict[str, object]] = {}
    for doc in yaml.load_all(generate.stdout, Loader=yaml.BaseLoader):
        if not doc:
            continue
        spec = doc["spec"]
        functions[spec["name"]] = {
            "image": spec.get("image", ""),
            "environment": dict(spec.get("environment") or {}),
            "secrets": list(spec.get("secrets") or []),
            "labels": dict(spec.get("labels") or {}),
            "annotations": dict(spec.get("annotations") or {}),
            "limits": _resources(spec.get("limits")),
            "requests": _resources(spec.get("requests")),
            "constraints": list(spec.get("constraints") or []),
            "readOnlyRootFilesystem": spec.get("readOnlyRootFilesystem") == "true",
        }
    recorder.take()
    deploy = _run(
        [str(faas_cli), "deploy", "-f", stack, "--gateway", f"http://127.0.0.1:{recorder.port}",
         "--read-template=false", *selection],
        folder,
        env,
    )  # fmt: skip
    bodies = recorder.take()
    if deploy.returncode != 0:  # generate decides acceptance; a failed deploy shows as a field
        for fields in functions.values():
            fields["deploy"] = f"failed: {(deploy.stdout + deploy.stderr).strip()[-200:]}"
    for body in bodies:
        fields = functions.setdefault(str(body["service"]), {})
        fields["namespace"] = body.get("namespace", "")
        fields["fprocess"] = body.get("envProcess", "")
    return Result(True, functions, generate.stdout)


def _resources(value: object) -> dict[str, str]:
    given = value if isinstance(value, dict) else {}
    return {"memory": str(given.get("memory", "")), "cpu": str(given.get("cpu", ""))}


def _run(argv: list[str], folder: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            argv, cwd=folder, env=dict(env), capture_output=True, text=True, errors="replace",
            timeout=TIMEOUT, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(argv, -1, "", f"timed out after {TIMEOUT}s")
