"""Shared parts of the benchmarks: the engine's environment, scratch projects, timing, tables.

A scratch project is a copy of the program (or of the floor program, `bench/floor_main.py`) with a
generated stack file, its own file backend and one stack whose config holds N secrets, set in one
`pulumi config set-all` call. Nothing here touches the checkout.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import statistics
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.program import export_program

ROOT = Path(__file__).resolve().parents[1]
IMAGE = "functions/api-key-protected:latest"
PASSPHRASE = "bench-passphrase"
CACHE = Path.home() / ".cache" / "openfaas-stack"


def engine_env() -> dict[str, str]:
    """The process environment plus the project's Pulumi toolchain (as `.toolchain/env.sh`)."""
    env = dict(os.environ)
    # as users run it: the program's modules compiled once, not again by every process (2 x 40 ms)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PATH"] = f"{CACHE / 'bin'}:{env.get('PATH', '')}"
    env.setdefault("PULUMI_HOME", str(CACHE / "pulumi-home"))
    env["PULUMI_SKIP_UPDATE_CHECK"] = "true"
    env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "true"
    env["PULUMI_CONFIG_PASSPHRASE"] = PASSPHRASE
    return env


def unique_prefix() -> str:
    """A prefix no other developer's function uses (never `protectedapi`)."""
    return f"bn{uuid.uuid4().hex[:6]}"


def function_names(prefix: str, n: int) -> list[str]:
    return [f"{prefix}-f{i:03d}" for i in range(n)]


def secret_of(function: str) -> str:
    return f"{function.replace('-', '_')}_key"


def stack_yaml(names: Sequence[str], replicas: int | None = None) -> str:
    """A faas-cli stack file: each function the sample image with its own secret."""
    lines = [
        "version: 1.0",
        "provider:",
        "  name: openfaas",
        "  gateway: http://127.0.0.1:8080",
        "functions:",
    ]
    for name in names:
        lines += [
            f"  {name}:",
            "    lang: dockerfile",
            "    skip_build: true",
            f"    image: {IMAGE}",
            "    environment:",
            "      write_debug: 'false'",
            "    secrets:",
            f"      - {secret_of(name)}",
        ]
        if replicas is not None:
            lines += ["    labels:", f"      com.openfaas.scale.min: '{replicas}'"]
    return "\n".join(lines) + "\n"


@dataclass
class Scratch:
    """One scratch project with its own backend and stack."""

    workdir: Path
    stack: str
    env: dict[str, str]

    def pulumi(self, *args: str, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["pulumi", *args, "--stack", self.stack, "--non-interactive"],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"pulumi {' '.join(args)} failed in {self.workdir}:\n{result.stdout[-3000:]}")
        return result

    def preview(self) -> subprocess.CompletedProcess[str]:
        return self.pulumi("preview", "--color", "never")

    def up(self, *options: str) -> subprocess.CompletedProcess[str]:
        return self.pulumi("up", "--yes", "--color", "never", *options)

    def destroy(self) -> subprocess.CompletedProcess[str]:
        return self.pulumi("destroy", "--yes", "--color", "never")


def describe_ref(ref: str = "HEAD") -> str:
    out = subprocess.run(
        ["git", "log", "-1", "--format=%h %s", ref], cwd=ROOT, capture_output=True, text=True
    )
    return out.stdout.strip()[:72]


def make_scratch(
    base: Path,
    kind: str,
    names: Sequence[str],
    *,
    replicas: int | None = None,
    checks: bool = False,
    extra_config: Sequence[str] = (),
    ref: str = "HEAD",
    target: str = "swarm",
) -> Scratch:
    """A scratch project of `kind` "program" (the real one), "floor" (Swarm's) or "kube-floor"
    (Kubernetes', which reads the `manifest.json` its caller writes) for `names`."""
    workdir = base / kind
    backend = base / f"{kind}-state"
    workdir.mkdir(parents=True)
    backend.mkdir()
    export_program(workdir, ref)
    (workdir / ".venv").symlink_to(ROOT / ".venv")
    if kind == "program":
        (workdir / "stack.yaml").write_text(stack_yaml(names, replicas))
    elif kind == "kube-floor":
        shutil.copy(ROOT / "bench" / "kube_floor_main.py", workdir / "__main__.py")
    else:
        shutil.copy(ROOT / "bench" / "floor_main.py", workdir / "__main__.py")
        floor = [
            {
                "name": n,
                "image": IMAGE,
                "secret": secret_of(n),
                "replicas": 1 if replicas is None else replicas,
            }
            for n in names
        ]
        (workdir / "functions.json").write_text(json.dumps(floor))
    env = {**engine_env(), "PULUMI_BACKEND_URL": f"file://{backend}"}
    scratch = Scratch(workdir, f"bench-{kind}", env)
    subprocess.run(
        ["pulumi", "stack", "init", scratch.stack, "--non-interactive"],
        cwd=workdir,
        env=env,
        check=True,
        capture_output=True,
    )
    args = ["config", "set-all", "--path", "--plaintext", f"target={target}"]
    for name in names:
        args += ["--secret", f"secrets.{secret_of(name)}={secrets.token_urlsafe(18)}"]
        if kind == "program" and not checks:
            args += ["--plaintext", f"checks.{name}.enabled=false"]
    for item in extra_config:
        args += ["--plaintext", item]
    scratch.pulumi(*args)
    return scratch


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def ratio_row(label: str, a: Sequence[float], b: Sequence[float], unit: str = "s") -> list[str]:
    """`label | median A | median B | A/B | runs`."""
    ma, mb = median(a), median(b)
    return [label, f"{ma:.2f}{unit}", f"{mb:.2f}{unit}", f"{ma / mb:.2f}x", str(len(a))]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table, columns padded."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


class PeakRss:
    """Polls /proc for the Python program of `workdir` (the language host's child running
    `pulumi-language-python-exec`) and keeps its VmHWM, the kernel's peak resident set size."""

    def __init__(self, workdir: Path, interval: float = 0.02) -> None:
        self.workdir = str(workdir)
        self.interval = interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        matched: set[str] = set()
        others: set[str] = set()
        while not self._stop.is_set():
            for entry in Path("/proc").iterdir():
                pid = entry.name
                if not pid.isdigit() or pid in others:
                    continue
                if pid not in matched:
                    try:
                        cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    except OSError:
                        continue
                    if "pulumi-language-python-exec" in cmd and self.workdir in cmd:
                        matched.add(pid)
                    elif "pulumi-language-python" not in cmd:  # the host forks the program: look again
                        others.add(pid)
                        continue
                    else:
                        continue
                with contextlib.suppress(OSError):
                    for row in (entry / "status").read_text().splitlines():
                        if row.startswith("VmHWM:"):
                            self.peak_kib = max(self.peak_kib, int(row.split()[1]))
            self._stop.wait(self.interval)
