"""Run every benchmark of the hardening issue and print their tables.

`python -m bench.run` runs the full set (tens of minutes on 2 cores); `--quick` runs the smallest
sizes with 5 runs each, as a smoke check of the scripts.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bench import check_latency, deploy, kube_deploy, loader, noop, overhead


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smallest sizes only")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--only", nargs="+", choices=["overhead", "deploy", "kube", "noop", "loader", "check"]
    )
    args = parser.parse_args(argv)
    runs = ["--runs", str(args.runs)]
    steps: dict[str, Callable[[], None]] = {
        "overhead": lambda: overhead.main(
            ["--sizes", *(["1", "10"] if args.quick else ["1", "10", "100", "500"]), *runs]
        ),
        "deploy": lambda: deploy.main(["--sizes", *(["1"] if args.quick else ["1", "10", "30"]), *runs]),
        "kube": lambda: kube_deploy.main(["--functions", "3" if args.quick else "30", *runs]),
        "noop": lambda: noop.main(["--sizes", "10" if args.quick else "100", *runs]),
        "loader": lambda: loader.main(["--functions", "100" if args.quick else "1000", *runs]),
        "check": lambda: check_latency.main(runs),
    }
    for name, step in steps.items():
        if args.only is None or name in args.only:
            print(f"\n## {name}", flush=True)
            step()


if __name__ == "__main__":
    main()
