"""`pulumi up` of N functions on the local Kubernetes node against `kubectl apply` + `rollout status`.

The floor is what a user would script instead: one `kubectl apply -f` of the same objects (a
namespace, and per function a Secret, a Deployment and a Service shaped as the program makes
them), then `kubectl rollout status` for each Deployment in turn. The program's side is the real
program with every function's readiness check on (through the API server), so both sides end
with every function Ready; the program's also with every function answering. Each run starts
from an empty namespace, deleted after (not timed); sides interleave A B A B ... Then a no-op
second `up` against a second `kubectl apply` of the unchanged manifest, one side standing at a
time. The engine's own floor is a fourth side: the same objects as the `kubectl apply`, each one
resource of a bare Pulumi program (`kube_floor_main.py`, no awaits), then the same `kubectl
rollout status` calls: what any Pulumi program pays before this one does anything of its own.
A third side is the same `up` with `--parallel` raised (the engine runs 4 operations per
CPU by default; since the functions' readiness is one `Readiness` wait for the whole stack, no
operation holds a slot while pods start, so raising it should change little).

`--checkpoint-sides` adds the program's `up` and the engine's floor again with
`PULUMI_SKIP_CHECKPOINTS=true`: the file backend then writes the state once at the end instead of
after every step, which shows what those writes cost each side. It is a measurement, not advice:
an update interrupted without checkpoints forgets what it created.

    python -m bench.kube_deploy [--functions 30] [--runs 5] [--parallel 64] [--checkpoint-sides]
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import tempfile
import uuid
from pathlib import Path

from bench.common import Scratch, describe_ref, function_names, make_scratch, ratio_row, table, timed
from tests.engine.kube_support import CACHE, KUBECONFIG
from tests.support.manifests import manifest

KUBECTL = [str(CACHE / "kube/bin/kubectl"), f"--kubeconfig={KUBECONFIG}"]


def kubectl(*args: str, stdin: str | None = None) -> None:
    subprocess.run([*KUBECTL, *args], input=stdin, check=True, capture_output=True, text=True, timeout=600)


def floor_up(namespace: str, names: list[str]) -> None:
    kubectl("apply", "-f", "-", stdin=manifest(namespace, names))
    for name in names:
        kubectl("rollout", "status", f"deployment/{name}", "-n", namespace, "--timeout=300s")


def delete_namespace(namespace: str) -> None:
    kubectl("delete", "namespace", namespace, "--ignore-not-found", "--wait=true", "--timeout=300s")


NO_CHECKPOINTS = {"PULUMI_SKIP_CHECKPOINTS": "true"}


def measure(n: int, runs: int, parallel: int, checkpoint_sides: bool = False) -> dict[str, list[float]]:
    prefix = f"bk{uuid.uuid4().hex[:5]}"
    program_names, floor_names = function_names(f"{prefix}p", n), function_names(f"{prefix}f", n)
    program_ns, floor_ns = f"{prefix}-program", f"{prefix}-floor"
    engine_names, engine_ns = function_names(f"{prefix}e", n), f"{prefix}-engine"
    times: dict[str, list[float]] = {
        "up": [],
        "up-parallel": [],
        "apply": [],
        "engine-floor": [],
        "noop-up": [],
        "noop-apply": [],
        "up-no-checkpoints": [],
        "engine-floor-no-checkpoints": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench-kube-") as tmp:
        program = make_scratch(
            Path(tmp),
            "program",
            program_names,
            checks=True,
            target="kubernetes",
            extra_config=[
                f"namespace={program_ns}",
                "createNamespaces=true",
                "imagePullPolicy=Never",
                f"kubernetes:kubeconfig={KUBECONFIG}",
                # the sample reads secret_api_key, which these functions do not mount: check health
                *(f"checks.{name}.path=/_/health" for name in program_names),
            ],
        )
        engine_floor = make_scratch(
            Path(tmp), "kube-floor", engine_names, extra_config=[f"kubernetes:kubeconfig={KUBECONFIG}"]
        )
        (engine_floor.workdir / "manifest.json").write_text(manifest(engine_ns, engine_names))

        program_unsaved = dataclasses.replace(program, env={**program.env, **NO_CHECKPOINTS})
        floor_unsaved = dataclasses.replace(engine_floor, env={**engine_floor.env, **NO_CHECKPOINTS})

        def program_side(scratch: Scratch, *options: str) -> float:
            """A timed `up` of the program from nothing; then its teardown, not timed."""
            seconds = timed(lambda: scratch.up(*options))
            program.destroy()
            delete_namespace(program_ns)
            return seconds

        def engine_floor_side(floor: Scratch) -> float:
            """A timed `up` of the engine's floor and the `rollout status` calls; then its teardown."""

            def up() -> None:
                floor.up()
                for name in engine_names:
                    kubectl("rollout", "status", f"deployment/{name}", "-n", engine_ns, "--timeout=300s")

            seconds = timed(up)
            engine_floor.destroy()
            delete_namespace(engine_ns)
            return seconds

        try:
            for run in range(runs):
                times["up"].append(program_side(program))
                times["up-parallel"].append(program_side(program, f"--parallel={parallel}"))
                times["apply"].append(timed(lambda: floor_up(floor_ns, floor_names)))
                delete_namespace(floor_ns)
                times["engine-floor"].append(engine_floor_side(engine_floor))
                if checkpoint_sides:
                    times["up-no-checkpoints"].append(program_side(program_unsaved))
                    times["engine-floor-no-checkpoints"].append(engine_floor_side(floor_unsaved))
                measured = ", ".join(f"{side} {values[-1]:.2f} s" for side, values in times.items() if values)
                print(f"run {run + 1}: {measured}", flush=True)
            # Nothing changed: the second up / apply of a standing deployment, one side standing at
            # a time (both at N = 50 would be 100 pods, more than the node's 60).
            program.up()
            for _ in range(runs):
                times["noop-up"].append(timed(program.up))
            program.destroy()
            delete_namespace(program_ns)
            floor_up(floor_ns, floor_names)
            for _ in range(runs):
                times["noop-apply"].append(timed(lambda: floor_up(floor_ns, floor_names)))
        finally:
            engine_floor.destroy()
            delete_namespace(engine_ns)
            program.destroy()
            delete_namespace(program_ns)
            delete_namespace(floor_ns)
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--functions", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--parallel", type=int, default=64)
    parser.add_argument("--checkpoint-sides", action="store_true")
    args = parser.parse_args(argv)
    print(f"program at git {describe_ref()}", flush=True)
    times = measure(args.functions, args.runs, args.parallel, args.checkpoint_sides)
    rows = [
        ratio_row(f"up to Ready (+checked), N={args.functions}", times["up"], times["apply"]),
        ratio_row(
            f"up --parallel={args.parallel} to Ready (+checked), N={args.functions}",
            times["up-parallel"],
            times["apply"],
        ),
        ratio_row(f"no-op up, N={args.functions}", times["noop-up"], times["noop-apply"]),
        ratio_row(
            f"engine floor (bare program + rollout status), N={args.functions}",
            times["engine-floor"],
            times["apply"],
        ),
        ratio_row(f"up against the engine floor, N={args.functions}", times["up"], times["engine-floor"]),
    ]
    if args.checkpoint_sides:
        rows += [
            ratio_row("up, no checkpoints", times["up-no-checkpoints"], times["apply"]),
            ratio_row("engine floor, no checkpoints", times["engine-floor-no-checkpoints"], times["apply"]),
            ratio_row(
                "up against the engine floor, no checkpoints",
                times["up-no-checkpoints"],
                times["engine-floor-no-checkpoints"],
            ),
        ]
    print(table(["figure", "pulumi up", "kubectl apply + rollout status", "ratio", "runs"], rows), flush=True)


if __name__ == "__main__":
    main()
