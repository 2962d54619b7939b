"""Item 5: time from a function's task becoming `running` to its invoke check passing.

A service started with the `docker` CLI (detached, port published in host mode) and
`components.invoke_check.run_check` driven directly, timed against `docker service ps` polled
for the task's `Running` state. Two ways to start the check:

- after running: the check starts once the task runs, as in the program (the check depends on
  the service, which the provider reports only once converged);
- at create: the check starts with `docker service create`, racing the container start, so its
  backoff (1, 2, 4, 8 s) decides how soon after readiness it passes.

One round trip is the median of five requests to the running function.
"""

from __future__ import annotations

import argparse
import secrets
import socket
import statistics
import threading
import time

from bench.common import secret_of, table, unique_prefix
from bench.swarm_cli import create_function, docker, remove_functions
from components.check.probe import run_check
from components.check.spec import CheckSpec
from components.check.transport import HttpRequest, send
from tests.engine.harness import swarm_lock


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_running(name: str, timeout: float = 120) -> float:
    """`time.monotonic()` at the first poll that sees the task `Running`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = docker("service", "ps", "--format", "{{.CurrentState}}", name).split("\n")
        if any(state.startswith("Running") for state in states):
            return time.monotonic()
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not start within {timeout}s")


def one_run(name: str, start_at_create: bool) -> tuple[float, float]:
    """(seconds from running to the check passing, one round trip) for a fresh service."""
    port = free_port()
    value = secrets.token_urlsafe(18)
    spec = CheckSpec(
        function=name,
        url=f"http://127.0.0.1:{port}/",
        headers={},
        secret_headers={"X-Api-Key": secret_of(name)},
        expect_status=200,
        expect_body="Unlocked the function!",
        timeout_seconds=90,
    )
    create_function(name, port=port, detach=True, secret_value=value, mount_as="secret_api_key")
    try:
        running: list[float] = []
        if start_at_create:
            poller = threading.Thread(target=lambda: running.append(wait_running(name)))
            poller.start()
            run_check(spec, {secret_of(name): value}, log=lambda _level, _message: None)
            passed = time.monotonic()
            poller.join()
        else:
            running.append(wait_running(name))
            run_check(spec, {secret_of(name): value}, log=lambda _level, _message: None)
            passed = time.monotonic()
        rtts = []
        for _ in range(5):
            start = time.monotonic()
            send(HttpRequest("POST", spec.url, {"X-Api-Key": value}, b""), 10)
            rtts.append(time.monotonic() - start)
        return passed - running[0], statistics.median(rtts)
    finally:
        remove_functions([name])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    prefix = unique_prefix()
    results: dict[str, list[float]] = {"after running": [], "at create": [], "rtt": []}
    for i in range(args.runs):
        for label, at_create in (("after running", False), ("at create", True)):
            with swarm_lock():
                latency, rtt = one_run(f"{prefix}-chk{i}{'c' if at_create else 'r'}", at_create)
            results[label].append(latency)
            results["rtt"].append(rtt)
    rtt = statistics.median(results["rtt"])
    rows = [
        [
            f"check starts {label}",
            f"{statistics.median(results[label]):.3f}s",
            f"{max(results[label]):.3f}s",
            f"{1 + rtt:.3f}s",
            "yes" if statistics.median(results[label]) < 1 + rtt else "no",
            str(args.runs),
        ]
        for label in ("after running", "at create")
    ]
    print(f"one round trip: {rtt * 1000:.1f} ms (median of {len(results['rtt']) * 5} requests)")
    print(table(["running -> check passed", "median", "max", "goal (1 s + RTT)", "met", "runs"], rows))


if __name__ == "__main__":
    main()
