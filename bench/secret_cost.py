"""Item 1 of issue 22: what a secret's size and a stack's size cost a preview under mocks.

Each case is the whole program (`__main__.py`, run by `tests.support.mocks.run_program`) in a fresh
process, on a stack file whose functions each mount one secret and are checked with it as a header.
The figures are the process's wall time and peak RSS (`ru_maxrss`), medians of interleaved runs,
and what a case adds over the 16-byte secret measured beside it. The budgets: a 220 KB secret adds
under 1 s and 100 MB, a 900 KB one under 3 s and 300 MB; 5,000 functions peak under 1 GB.

The 220 KB secret is the system CA bundle when the machine has one (the common large secret), the
others are random PEM-like text of the size named.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, table

CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def pem_like(size: int, seed: int = 22) -> str:
    """`size` characters of certificate-like text: base64 lines of 64 between BEGIN/END lines."""
    rng = random.Random(seed)
    lines: list[str] = []
    total = 0
    while total < size:
        block = base64.b64encode(rng.randbytes(900)).decode()
        chunk = ["-----BEGIN CERTIFICATE-----"]
        chunk += [block[i : i + 64] for i in range(0, len(block), 64)]
        chunk.append("-----END CERTIFICATE-----")
        lines += chunk
        total += sum(len(line) + 1 for line in chunk)
    return ("\n".join(lines) + "\n")[:size]


def secret_text(kind: str) -> str:
    if kind == "16B":
        return "k3y-" + "0123456789ab"
    if kind == "ca-bundle" and CA_BUNDLE.is_file():
        return CA_BUNDLE.read_text(encoding="utf-8")
    sizes = {"20KB": 20_000, "ca-bundle": 220_000, "220KB": 220_000, "900KB": 900_000}
    return pem_like(sizes[kind])


def child(kind: str, functions: int) -> None:
    """Run the program once under mocks; print wall seconds and peak RSS in MB as JSON."""
    from tests.support.mocks import run_program

    value = secret_text(kind)
    workdir = Path(tempfile.mkdtemp(prefix="secret-cost-"))
    lines = ["version: 1.0", "provider:", "  name: openfaas", "functions:"]
    secrets: dict[str, str] = {}
    checks: dict[str, object] = {}
    for i in range(functions):
        name = f"fn-{i:04d}"
        secret = f"key-{i:04d}"
        lines += [f"  {name}:", f"    image: ghcr.io/example/{name}:1.0", "    secrets:", f"      - {secret}"]
        secrets[secret] = f"k3y-{i:012d}"
        checks[name] = {"headers": {"X-Api-Key": {"secret": secret}}, "expectStatus": 200}
    # the large secret is mounted by the last function too (a header cannot hold a CA bundle)
    lines.append("      - big-secret")
    secrets["big-secret"] = value
    (workdir / "stack.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (workdir / "Pulumi.yaml").write_text("name: openfaas-stack\nruntime: python\n", encoding="utf-8")
    start = time.perf_counter()
    run_program(workdir, config={"checks": checks}, secrets=secrets)
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "peak_mb": peak_mb}))


def measure(kind: str, functions: int) -> dict[str, float]:
    """One fresh process: its wall time (interpreter start included) and peak RSS; exits with
    the child's error when the program fails."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.secret_cost", "--child", kind, "--functions", str(functions)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{kind} x {functions}: the program failed: {done.stderr.strip()[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {"seconds": wall, "peak_mb": float(figures["peak_mb"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--functions", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", nargs="*", default=["20KB", "ca-bundle", "900KB"])
    parser.add_argument("--many", type=int, default=5000, help="functions of the stack-size case")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.functions)
        return
    cases = [("16B", 1), *((size, 1) for size in args.sizes)]
    results: dict[tuple[str, int], list[dict[str, float]]] = {case: [] for case in cases}
    for _ in range(args.runs):
        for case in cases:
            results[case].append(measure(*case))
    many = [measure("16B", args.many) for _ in range(max(1, args.runs // 2))]

    def median(case: tuple[str, int], key: str) -> float:
        return statistics.median(run[key] for run in results[case])

    base_s, base_mb = median(("16B", 1), "seconds"), median(("16B", 1), "peak_mb")
    rows = [["16 B (baseline)", f"{base_s:.2f}", f"{base_mb:.0f}", "", ""]]
    for kind, functions in cases[1:]:
        seconds, peak = median((kind, functions), "seconds"), median((kind, functions), "peak_mb")
        label = f"{kind} ({len(secret_text(kind)):,} B)"
        added = [f"{seconds - base_s:+.2f}", f"{peak - base_mb:+.0f}"]
        rows.append([label, f"{seconds:.2f}", f"{peak:.0f}", *added])
    many_s = statistics.median(run["seconds"] for run in many)
    many_mb = statistics.median(run["peak_mb"] for run in many)
    rows.append([f"{args.many:,} functions, 16 B secrets", f"{many_s:.2f}", f"{many_mb:.0f}", "", ""])
    print(table(["case (one preview under mocks)", "s", "peak MB", "adds s", "adds MB"], rows))


if __name__ == "__main__":
    main()
