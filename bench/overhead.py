"""Items 1 and 6: `pulumi preview` of the program against the floor program, and peak memory.

For each N, two scratch projects (program with a generated stack file, floor with the same
functions as a list), then previews interleaved A B A B ..., each the whole `pulumi preview`
process. The program's checks are disabled (`checks.<fn>.enabled: false`): the floor has none.
While each preview runs, the Python program's peak RSS (VmHWM) is read from /proc.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.common import (
    PeakRss,
    describe_ref,
    function_names,
    make_scratch,
    median,
    ratio_row,
    table,
    timed,
    unique_prefix,
)


def measure(n: int, runs: int) -> tuple[list[float], list[float], list[int], list[int]]:
    """Preview seconds and peak RSS (KiB) of the program and the floor, `runs` each."""
    names = function_names(unique_prefix(), n)
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
        program = make_scratch(Path(tmp), "program", names)
        floor = make_scratch(Path(tmp), "floor", names)
        times: dict[str, list[float]] = {"program": [], "floor": []}
        peaks: dict[str, list[int]] = {"program": [], "floor": []}
        for _ in range(runs):
            for side, scratch in (("program", program), ("floor", floor)):
                with PeakRss(scratch.workdir) as rss:
                    times[side].append(timed(scratch.preview))
                peaks[side].append(rss.peak_kib)
    return times["program"], times["floor"], peaks["program"], peaks["floor"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 500])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"program at git {describe_ref()}", flush=True)
    time_rows: list[list[str]] = []
    memory_rows: list[list[str]] = []
    for n in args.sizes:
        program, floor, program_rss, floor_rss = measure(n, args.runs)
        time_rows.append(ratio_row(f"preview N={n}", program, floor))
        mp, mf = median(program_rss) / 1024, median(floor_rss) / 1024
        memory_rows.append(
            [f"peak RSS N={n}", f"{mp:.0f} MiB", f"{mf:.0f} MiB", f"{mp / mf:.2f}x", str(args.runs)]
        )
        print(table(["figure", "program", "floor", "ratio", "runs"], time_rows + memory_rows), flush=True)


if __name__ == "__main__":
    main()
