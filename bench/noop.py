"""Item 3: a second `pulumi up` with nothing changed, program against floor, N = 100.

Both stacks are deployed once (under the Swarm lock), then no-op `up`s interleave A B A B ...,
then both are destroyed. The services run 0 replicas (label `com.openfaas.scale.min: 0`, the same
in the floor) so 200 idle containers do not load the shared machine: a no-op compares state and
never looks at tasks. The program's checks are disabled.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.common import (
    describe_ref,
    function_names,
    make_scratch,
    ratio_row,
    table,
    unique_prefix,
)
from tests.engine.harness import swarm_lock


def expect_no_change(output: str) -> None:
    summary = output[output.rfind("Resources:") :]
    if any(word in summary for word in ("created", "updated", "deleted", "replaced")):
        raise RuntimeError(f"the second up was not a no-op:\n{summary}")


def measure(n: int, runs: int) -> tuple[list[float], list[float]]:
    prefix = unique_prefix()
    times: dict[str, list[float]] = {"program": [], "floor": []}
    with tempfile.TemporaryDirectory(prefix="bench-noop-") as tmp:
        sides = {
            "program": make_scratch(Path(tmp), "program", function_names(f"{prefix}p", n), replicas=0),
            "floor": make_scratch(Path(tmp), "floor", function_names(f"{prefix}f", n), replicas=0),
        }
        try:
            for scratch in sides.values():
                with swarm_lock():
                    scratch.up()
            for _ in range(runs):
                for side, scratch in sides.items():
                    with swarm_lock():
                        start = time.perf_counter()
                        output = scratch.up().stdout
                        times[side].append(time.perf_counter() - start)
                        expect_no_change(output)
        finally:
            for scratch in sides.values():
                with swarm_lock():
                    scratch.destroy()
    return times["program"], times["floor"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"program at git {describe_ref()}", flush=True)
    rows = []
    for n in args.sizes:
        program, floor = measure(n, args.runs)
        rows.append(ratio_row(f"no-op up N={n}", program, floor))
    print(table(["figure", "program", "floor", "ratio", "runs"], rows), flush=True)


if __name__ == "__main__":
    main()
