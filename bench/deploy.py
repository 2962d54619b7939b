"""Item 2: `pulumi up` of N functions on the local Swarm against the `docker` CLI one by one.

Each run starts from nothing and is torn down after (not timed), holding the shared Swarm lock
only for that deploy and its teardown. Sides interleave A B A B ... The program's checks are
disabled; both sides wait for every service to converge (the CLI's default without --detach, the
program's `converge_config`).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.common import (
    describe_ref,
    function_names,
    make_scratch,
    ratio_row,
    table,
    timed,
    unique_prefix,
)
from bench.swarm_cli import create_function, remove_functions
from tests.engine.harness import swarm_lock


def create_all(names: list[str]) -> None:
    for name in names:
        create_function(name)


def measure(n: int, runs: int) -> tuple[list[float], list[float]]:
    prefix = unique_prefix()
    program_names = function_names(f"{prefix}p", n)
    cli_names = function_names(f"{prefix}c", n)
    program_times: list[float] = []
    cli_times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-deploy-") as tmp:
        program = make_scratch(Path(tmp), "program", program_names)
        try:
            for _ in range(runs):
                with swarm_lock():
                    try:
                        program_times.append(timed(program.up))
                    finally:
                        program.destroy()
                with swarm_lock():
                    try:
                        cli_times.append(timed(lambda: create_all(cli_names)))
                    finally:
                        remove_functions(cli_names)
        finally:
            with swarm_lock():
                program.destroy()
    return program_times, cli_times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"program at git {describe_ref()}", flush=True)
    rows: list[list[str]] = []
    for n in args.sizes:
        program, cli = measure(n, args.runs)
        rows.append(ratio_row(f"deploy N={n}", program, cli))
        print(table(["figure", "pulumi up", "docker CLI", "ratio", "runs"], rows), flush=True)


if __name__ == "__main__":
    main()
