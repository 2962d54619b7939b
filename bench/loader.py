"""Item 4: `load_stack` on a 1,000-function stack file, whole process and in process.

faas-cli cannot be built here (its Go module is not served by the module proxy), so the
reference points are PyYAML's `yaml.safe_load` of the same file (pure Python and libyaml) and a
bare `python -c pass` (interpreter start-up). Whole-process runs interleave A B C ...
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from bench.common import describe_ref, export_program, table, timed

SNIPPETS = {
    "load_stack": "import sys; from components.stackfile import load_stack; load_stack(sys.argv[1])",
    "yaml.safe_load": "import sys, yaml; yaml.safe_load(open(sys.argv[1]))",
    "yaml CSafeLoader": "import sys, yaml; yaml.load(open(sys.argv[1]), Loader=yaml.CSafeLoader)",
    "python -c pass": "pass",
}


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


def in_process(action: Callable[[], object], runs: int) -> float:
    return statistics.median(timed(action) for _ in range(runs))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--functions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"program at git {describe_ref()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-loader-") as tmp:
        workdir = Path(tmp)
        export_program(workdir)
        path = workdir / "stack.yaml"
        path.write_text(big_stack(args.functions))
        whole: dict[str, list[float]] = {label: [] for label in SNIPPETS}
        for _ in range(args.runs):
            for label, code in SNIPPETS.items():
                start = time.perf_counter()
                subprocess.run([sys.executable, "-c", code, str(path)], cwd=workdir, check=True)
                whole[label].append(time.perf_counter() - start)
        sys.path.insert(0, str(workdir))
        from components.stackfile import load_stack

        text = path.read_text()
        inside = {
            "load_stack": in_process(lambda: load_stack(path), args.runs),
            "yaml.safe_load": in_process(lambda: yaml.safe_load(text), args.runs),
            "yaml CSafeLoader": in_process(lambda: yaml.load(text, Loader=yaml.CSafeLoader), args.runs),
        }
    base = statistics.median(whole["load_stack"])
    rows = [
        [
            label,
            f"{statistics.median(times):.3f}s",
            f"{inside[label]:.3f}s" if label in inside else "-",
            f"{base / statistics.median(times):.2f}x",
            str(args.runs),
        ]
        for label, times in whole.items()
    ]
    headers = ["reader", "whole process", "in process", "load_stack / this", "runs"]
    print(f"{args.functions} functions, {len(text) // 1024} KiB; faas-cli: not buildable (see RESULTS.md)")
    print(table(headers, rows), flush=True)


if __name__ == "__main__":
    main()
