"""Item 5 of issue 11: `load_stack` of a 1,000-function stack file against `faas-cli generate` of
the same file, whole process against whole process, interleaved in one run, medians.

The file is the issue's: one secret, one label and one environment variable per function. faas-cli
is the one `make faas-cli` builds (`scripts/faas-cli.sh`); both run with the same small
environment. `python -c pass` shows the interpreter's share of ours. `--shape wide` uses a file
with most deploy-time fields instead (the figure before issue 11).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, describe_ref, table, timed
from tests.support.program import export_program

CACHE = Path(os.environ.get("OPENFAAS_STACK_CACHE") or Path.home() / ".cache/openfaas-stack")
LOAD_STACK = "import sys; from components.stackfile import load_stack; load_stack(sys.argv[1])"


def issue_stack(n: int) -> str:
    """`n` functions, each with one secret, one label and one environment variable."""
    lines = ["version: 1.0", "provider:", "  name: openfaas", "functions:"]
    for i in range(n):
        lines += [
            f"  fn-{i:04d}:",
            f"    image: ghcr.io/example/fn-{i:04d}:1.0",
            "    environment:",
            f"      FN_INDEX: '{i}'",
            "    secrets:",
            f"      - fn-{i:04d}-key",
            "    labels:",
            "      com.openfaas.scale.min: '1'",
        ]
    return "\n".join(lines) + "\n"


def big_stack(n: int) -> str:
    """A stack file of `n` functions using most deploy-time fields."""
    lines = [
        "version: 1.0",
        "provider:",
        "  name: openfaas",
        "  gateway: ${OPENFAAS_URL:-http://127.0.0.1:8080}",
    ]
    lines.append("functions:")
    for i in range(n):
        lines += [
            f"  fn-{i:04d}:",
            "    lang: python3-http",
            f"    handler: ./fn-{i:04d}",
            f"    image: ${{REGISTRY:-ghcr.io/example}}/fn-{i:04d}:${{TAG:-latest}}",
            "    environment:",
            "      write_timeout: 10s",
            "      read_timeout: 10s",
            f"      FN_INDEX: '{i}'",
            "    secrets:",
            f"      - fn_{i:04d}_key",
            "      - shared-token",
            "    labels:",
            "      com.openfaas.scale.min: '1'",
            "    annotations:",
            "      topic: orders",
            "    limits:",
            "      memory: 128Mi",
            "      cpu: 100m",
            "    requests:",
            "      memory: 64Mi",
            "    constraints:",
            "      - node.platform.os == linux",
        ]
    return "\n".join(lines) + "\n"


def notes_stack(rows: int) -> str:
    """Issue 23's file: 10 functions, then `rows` flow-mapping rows under `x-notes:`, a top-level
    key faas-cli ignores (10,000 rows: 548 KB)."""
    lines = ["version: 1.0", "provider:", "  name: openfaas", "functions:"]
    for i in range(10):
        lines += [f"  fn-{i}:", f"    image: ghcr.io/example/fn-{i}:1.0"]
    lines.append("x-notes:")
    lines += [f'  - {{id: {i}, text: "note number {i}", tags: [a, b]}}' for i in range(rows)]
    return "\n".join(lines) + "\n"


def notes_block_stack(rows: int) -> str:
    """The same notes as block mappings (`- id: 1` / `  text: ...`), the other row shape the
    loader's grammar takes (`components/stackfile/skim.py`)."""
    lines = notes_stack(0).splitlines()
    for i in range(rows):
        lines += [f"  - id: {i}", f'    text: "note number {i}"', "    tags: [a, b]"]
    return "\n".join(lines) + "\n"


SHAPES = {"issue": issue_stack, "wide": big_stack, "notes": notes_stack, "notes-block": notes_block_stack}


def faas_cli() -> Path:
    path = CACHE / "bin/faas-cli"
    if not os.access(path, os.X_OK):
        subprocess.run([str(ROOT / "scripts/faas-cli.sh")], check=True, stdout=subprocess.DEVNULL)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--functions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--shape", choices=sorted(SHAPES), default="issue", help="notes: --functions is the rows of x-notes"
    )
    args = parser.parse_args(argv)
    print(f"program at git {describe_ref()}", flush=True)
    binary = faas_cli()
    with tempfile.TemporaryDirectory(prefix="bench-loader-") as tmp:
        workdir = Path(tmp)
        export_program(workdir)
        path = workdir / "stack.yaml"
        text = SHAPES[args.shape](args.functions)
        path.write_text(text)
        env = {"HOME": str(workdir), "PATH": "/usr/bin:/bin"}
        commands = {
            "faas-cli generate": [str(binary), "generate", "-f", str(path)],
            "load_stack": [sys.executable, "-c", LOAD_STACK, str(path)],
            "python -c pass": [sys.executable, "-c", "pass"],
        }
        whole: dict[str, list[float]] = {label: [] for label in commands}
        for _ in range(args.runs):
            for label, argv_ in commands.items():
                start = time.perf_counter()
                subprocess.run(argv_, cwd=workdir, env=env, check=True, stdout=subprocess.DEVNULL)
                whole[label].append(time.perf_counter() - start)
        sys.path.insert(0, str(workdir))
        from components.stackfile import load_stack

        inside = statistics.median(timed(lambda: load_stack(path, env=env)) for _ in range(args.runs))
    base = statistics.median(whole["faas-cli generate"])
    rows = [
        [label, f"{statistics.median(times):.3f}s", f"{statistics.median(times) / base:.2f}x", str(args.runs)]
        for label, times in whole.items()
    ]
    print(
        f"{args.functions} functions ({args.shape}), {len(text) // 1024} KiB; "
        f"load_stack in process {inside:.3f}s"
    )
    print(table(["reader", "whole process (median)", "/ faas-cli generate", "runs"], rows), flush=True)


if __name__ == "__main__":
    main()
