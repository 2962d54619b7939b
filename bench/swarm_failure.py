"""How soon a Swarm `up` fails when a function's image is missing, and whether it says why.

Side A is this work tree (the services waited for by `SwarmReadiness`); side B the program at
`--before` (the Docker provider's `convergeConfig`, the wait it had before). Each run: a scratch
project whose one function names an image that does not exist, `swarmConvergeTimeout` set to
`--timeout`, timed from `pulumi up` to its failure; then `destroy` (not timed). Sides interleave.
Prints the medians, their ratio, and whether Docker's reason (`No such image`) was in the output.

    python -m bench.swarm_failure [--runs 3] [--timeout 60s] [--before 5454c0d]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import describe_ref, function_names, make_scratch, ratio_row, table, unique_prefix
from tests.engine.harness import swarm_lock


def failing_up(base: Path, ref: str, timeout: str) -> tuple[float, bool]:
    """(seconds until `up` failed, whether the output named Docker's reason)."""
    names = function_names(unique_prefix(), 1)
    scratch = make_scratch(base, "program", names, ref=ref, extra_config=[f"swarmConvergeTimeout={timeout}"])
    stack_file = scratch.workdir / "stack.yaml"
    stack_file.write_text(
        stack_file.read_text().replace(
            "functions/api-key-protected:latest", "functions/api-key-protected:missing"
        )
    )
    started = time.perf_counter()
    result = subprocess.run(
        ["pulumi", "up", "--yes", "--color", "never", "--stack", scratch.stack, "--non-interactive"],
        cwd=scratch.workdir,
        env=scratch.env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    seconds = time.perf_counter() - started
    if result.returncode == 0:
        raise RuntimeError(f"`up` with a missing image passed in {scratch.workdir}")
    scratch.destroy()
    return seconds, "No such image" in result.stdout + result.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", default="60s")
    parser.add_argument("--before", default="5454c0d")
    args = parser.parse_args()
    sides: dict[str, list[float]] = {"HEAD": [], args.before: []}
    reasons: dict[str, set[bool]] = {"HEAD": set(), args.before: set()}
    with tempfile.TemporaryDirectory() as tmp, swarm_lock():
        for run in range(args.runs):
            for ref in sides:
                seconds, named = failing_up(Path(tmp) / f"{ref}-{run}", ref, args.timeout)
                sides[ref].append(seconds)
                reasons[ref].add(named)
    print(f"A: {describe_ref('HEAD')}\nB: {describe_ref(args.before)}")
    print(
        f"swarmConvergeTimeout {args.timeout}; Docker's reason shown: "
        f"A {reasons['HEAD']}, B {reasons[args.before]}"
    )
    print(
        table(
            ["a missing image", "A (SwarmReadiness)", "B (convergeConfig)", "A/B", "runs"],
            [ratio_row("`up` until it fails", sides["HEAD"], sides[args.before])],
        )
    )


if __name__ == "__main__":
    main()
