"""Issue 22's 5,000-function budget against what the Pulumi SDK alone costs for the same resources.

Per function the program registers five resources under mocks: its component, a Secret, a
Deployment, a Service and the check. Each floor registers the same five per function, with small
fixed inputs and nothing else (no stack file, no plan, no redaction, no checksum, no aliases of
ours): `bare` as plain `pulumi.CustomResource`s of the same type tokens, `typed` through
pulumi_kubernetes' classes as the program does (which add their own outputs and aliases). Each
case is one fresh process; the figure is its peak RSS, median of `--runs`, interleaved.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

from bench.common import ROOT, table
from bench.secret_cost import measure

POD_SPEC = {
    "containers": [
        {
            "name": "fn",
            "image": "ghcr.io/example/fn:1.0",
            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
            "volumeMounts": [{"name": "secrets", "mountPath": "/var/openfaas/secrets", "readOnly": True}],
            "readinessProbe": {"httpGet": {"path": "/_/health", "port": 8080}},
        }
    ],
    "volumes": [{"name": "secrets", "projected": {"sources": [{"secret": {"name": "key"}}]}}],
}


def floor(kind: str, functions: int) -> None:
    """Register the floor's resources under mocks; print seconds and peak RSS in MB as JSON."""
    import pulumi
    import pulumi_kubernetes as k8s

    from tests.support.mocks import RecordingMocks

    pulumi.runtime.set_mocks(RecordingMocks(), project="openfaas-stack", stack="dev", preview=False)

    class Function(pulumi.ComponentResource):
        def __init__(self, name: str) -> None:
            super().__init__("openfaas-stack:index:OpenFaaSFunction", name, None)
            opts = pulumi.ResourceOptions(parent=self)
            meta = {"name": name, "namespace": "openfaas-fn", "labels": {"faas_function": name}}
            spec: dict[str, Any] = {
                "selector": {"matchLabels": {"faas_function": name}},
                "template": {"metadata": {"labels": {"faas_function": name}}, "spec": POD_SPEC},
            }
            ports = {"selector": {"faas_function": name}, "ports": [{"port": 8080}]}
            key = pulumi.Output.secret({"key": "k3y"})
            if kind == "typed":
                workload: list[pulumi.Resource] = [
                    k8s.core.v1.Secret(f"{name}-key", metadata=meta, string_data=key, opts=opts),
                    k8s.apps.v1.Deployment(name, metadata=meta, spec=spec, opts=opts),
                    k8s.core.v1.Service(name, metadata=meta, spec=ports, opts=opts),
                ]
            else:

                def plain(token: str, name: str, props: dict[str, Any]) -> pulumi.Resource:
                    return pulumi.CustomResource(token, name, props, opts)

                workload = [
                    plain("kubernetes:core/v1:Secret", f"{name}-key", {"metadata": meta, "stringData": key}),
                    plain("kubernetes:apps/v1:Deployment", name, {"metadata": meta, "spec": spec}),
                    plain("kubernetes:core/v1:Service", name, {"metadata": meta, "spec": ports}),
                ]
            pulumi.CustomResource(
                "pulumi-python:dynamic/openfaas:InvokeCheck",
                f"{name}-check",
                {"url": f"http://{name}:8080/", "headers": pulumi.Output.secret({"X-Api-Key": "k3y"})},
                pulumi.ResourceOptions(parent=self, depends_on=workload),
            )
            self.register_outputs({})

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> None:
        for i in range(functions):
            Function(f"fn-{i:04d}")

    start = time.perf_counter()
    program()
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))


def measure_floor(kind: str, functions: int) -> float:
    done = subprocess.run(
        [sys.executable, "-m", "bench.sdk_floor", "--child", kind, "--functions", str(functions)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(done.stdout.strip().splitlines()[-1])["peak_mb"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--functions", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    if args.child:
        floor(args.child, args.functions)
        return
    peaks: dict[str, list[float]] = {"bare": [], "typed": [], "program": []}
    for _ in range(args.runs):
        peaks["bare"].append(measure_floor("bare", args.functions))
        peaks["typed"].append(measure_floor("typed", args.functions))
        peaks["program"].append(measure("16B", args.functions)["peak_mb"])
    program = statistics.median(peaks["program"])
    rows = [
        [label, f"{statistics.median(values):.0f}", f"{program / statistics.median(values):.2f}x"]
        for label, values in (
            ("SDK floor: plain CustomResources", peaks["bare"]),
            ("SDK floor: pulumi_kubernetes classes", peaks["typed"]),
            ("the program (16 B secrets, checks on)", peaks["program"]),
        )
    ]
    print(f"{args.functions:,} functions, 5 resources each, under mocks; medians of {args.runs}")
    print(table(["case", "peak MB", "program / case"], rows))


if __name__ == "__main__":
    main()
