"""Faults on the real engine and the local Swarm: nothing is lost, and the next `up` converges.

Each test deploys its own three functions (`fault-<hex>-a|b|c`, each mounting its own secret),
breaks an `up` in one way, recovers the way Pulumi documents it, and checks that the next `up`
converges (exactly one service per function, exactly the secrets the state holds, nothing
pending, no lock), that `destroy` leaves nothing, and that no secret value was written anywhere.
The module holds /tmp/openfaas-swarm.lock throughout, so no other test sees these services.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from tests.engine.faults_support import (
    IMAGE,
    SECRET_TYPE,
    SERVICE_TYPE,
    FaultStack,
    alive,
    descendants,
    new_fault_stack,
    proxy_command,
    wait_for,
)
from tests.engine.harness import ROOT, require_toolchain, run, swarm_lock

pytestmark = pytest.mark.engine
LOCKED = (
    "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end "
    "or delete the lock file with `pulumi cancel`."
)


@pytest.fixture(scope="module", autouse=True)
def swarm_locked() -> Iterator[None]:
    require_toolchain()
    with swarm_lock():
        yield


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[FaultStack]:
    fault_stack = new_fault_stack(tmp_path)
    yield fault_stack
    fault_stack.clean_up()


def converge_after_removing_unrecorded(stack: FaultStack, unrecorded: Iterable[str]) -> None:
    """Services on the Swarm but not in the state block the next `up` until removed by hand; with
    none, the next `up` converges at once."""
    unrecorded = list(unrecorded)
    if not unrecorded:
        converge(stack)
        return
    blocked = stack.cli("up", "--yes")
    assert blocked.returncode == 1, blocked.output
    # The engine stops at the first failures, so not every unrecorded service need be tried.
    assert any(already_exists(name) in blocked.output for name in unrecorded), blocked.output
    for name in unrecorded:
        run("docker", "service", "rm", name)
    converge(stack)


def converge(stack: FaultStack) -> None:
    """The next `up` converges, `destroy` leaves nothing, and no secret value is anywhere."""
    converged = stack.cli("up", "--yes")
    assert converged.returncode == 0, converged.output
    stack.assert_converged()
    stack.destroy_and_assert_nothing_left()
    stack.assert_no_secret_value_anywhere()


def already_exists(service: str) -> str:
    return (
        "rpc error: code = AlreadyExists desc = name conflicts with an existing object: "
        f"service {service} already exists"
    )


def start_proxy(stack: FaultStack, socket_path: Path) -> subprocess.Popen[bytes]:
    socket_path.unlink(missing_ok=True)
    proxy = subprocess.Popen(proxy_command(socket_path), cwd=Path(__file__).resolve().parents[2])
    stack.started.append(proxy.pid)
    wait_for(socket_path.exists, 10, "the Docker API proxy")
    return proxy


def service_urn(stack: FaultStack, function: str) -> str:
    return (
        f"urn:pulumi:{stack.name}::openfaas-stack::openfaas-stack:index:OpenFaaSStack"
        f"$openfaas-stack:index:OpenFaaSFunction$docker:index/service:Service::{function}"
    )


def test_a_missing_image_fails_at_once_naming_its_function_and_the_next_up_converges_once_it_exists(
    stack: FaultStack,
) -> None:
    a, b, c = stack.functions
    missing = f"{IMAGE}:missing-{stack.hexid}"
    stack.write_stack_file({b: missing})
    try:
        started = time.monotonic()
        failed = stack.cli("up", "--yes")
        assert failed.returncode == 1, failed.output
        assert time.monotonic() - started < 15 + 10  # before swarmConvergeTimeout (15s) ran out
        assert (
            f"function '{b}' cannot start: Docker rejected its task: No such image: {missing}"
            in failed.output
        )
        assert f"function '{a}'" not in failed.output and f"function '{c}'" not in failed.output
        assert "Traceback" not in failed.output
        services = stack.swarm_services()
        assert sorted(services) == [a, b, c]
        assert stack.state_objects(SERVICE_TYPE) == services
        assert stack.state_objects(SECRET_TYPE) == stack.swarm_secrets()
        assert stack.pending() == []

        run("docker", "tag", f"{IMAGE}:latest", missing)
        converged = stack.cli("up", "--yes")
        assert converged.returncode == 0, converged.output
        stack.assert_converged()
        stack.destroy_and_assert_nothing_left()
        stack.assert_no_secret_value_anywhere()
    finally:
        run("docker", "rmi", missing, check=False)


def test_sigint_mid_up_cancels_gracefully_and_the_next_up_converges(stack: FaultStack) -> None:
    up = stack.start("up", "--yes")
    wait_for(lambda: stack.swarm_services() != {}, 120, "the first service on the Swarm")
    plugins = descendants(up.pid)
    up.send_signal(signal.SIGINT)
    assert up.wait(timeout=180) == 1
    log = stack.log_text()
    assert (
        "^C received; cancelling. If you would like to terminate immediately, press ^C again.\n"
        "Note that terminating immediately may lead to orphaned resources and other inconsistencies.\n"
    ) in log
    assert "    error: update canceled\n" in log
    wait_for(lambda: alive(plugins) == [], 30, "Pulumi's plugins to exit")
    assert stack.locks() == []
    assert stack.pending() == []
    assert stack.state_objects(SERVICE_TYPE) == stack.swarm_services()
    assert stack.state_objects(SECRET_TYPE) == stack.swarm_secrets()
    converge(stack)


def test_sigkill_mid_up_needs_cancel_refresh_and_removing_unrecorded_services_then_converges(
    stack: FaultStack,
) -> None:
    up = stack.start("up", "--yes")
    wait_for(lambda: stack.swarm_services() != {}, 120, "the first service on the Swarm")
    tree = [up.pid, *descendants(up.pid)]
    for pid in tree:  # the whole process tree, as a CI runner or the OOM killer does
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    up.wait(timeout=30)
    [lock] = stack.locks()
    # a service whose create had not returned when the process died is on the Swarm, not in the state
    unrecorded = {
        name: id_
        for name, id_ in stack.swarm_services().items()
        if name not in stack.state_objects(SERVICE_TYPE)
    }
    assert stack.state_objects(SECRET_TYPE) == stack.swarm_secrets()
    pending = stack.pending()
    assert {op for op, _ in pending} <= {"creating", "updating"}
    assert {service_urn(stack, name) for name in unrecorded} <= {urn for _, urn in pending}

    refused = stack.cli("up", "--yes")
    assert refused.returncode == 1, refused.output
    assert LOCKED in refused.output
    assert f"{lock.name}?no_tmp_dir=true: created by " in refused.output
    assert f"(pid {up.pid})" in refused.output

    cancel = stack.cli("cancel", "--yes")
    assert cancel.output.strip() == f"The currently running update for '{stack.name}' has been canceled!"
    assert stack.locks() == []

    refresh = stack.cli("refresh", "--yes", "--clear-pending-creates")
    assert refresh.returncode == 0, refresh.output
    assert stack.pending() == []

    converge_after_removing_unrecorded(stack, unrecorded)


def test_dockerd_restarted_mid_up_then_the_next_up_converges(stack: FaultStack) -> None:
    """The real daemon: stopped once the first service exists, started again by scripts/swarm.sh."""
    up = stack.start("up", "--yes")
    wait_for(lambda: stack.swarm_services() != {}, 120, "the first service on the Swarm")
    daemon = int(Path("/var/run/docker.pid").read_text())
    os.kill(daemon, signal.SIGTERM)
    wait_for(lambda: alive([daemon]) == [], 60, "dockerd to stop")
    run(str(ROOT / "scripts/swarm.sh"))
    up.wait(timeout=300)  # fails or succeeds depending on where the daemon went away
    assert stack.pending() == []
    assert stack.locks() == []
    assert stack.state_objects(SECRET_TYPE) == stack.swarm_secrets()
    recorded = stack.state_objects(SERVICE_TYPE)
    unrecorded = [name for name in stack.swarm_services() if name not in recorded]
    # created while the daemon went away, never written to the state
    converge_after_removing_unrecorded(stack, unrecorded)


def test_the_docker_api_going_away_mid_up_then_the_next_up_converges(
    stack: FaultStack,
) -> None:
    """The provider reaches dockerd through a proxy we own; killing it mid-`up` looks, to Pulumi,
    like dockerd going away (connections reset, then refused), and it comes back 3 s later."""
    socket_path = stack.tmp / "docker.sock"
    daemon = f"unix://{socket_path}"
    stack.extra_env["DOCKER_HOST"] = daemon
    proxy = start_proxy(stack, socket_path)
    try:
        up = stack.start("up", "--yes")
        wait_for(lambda: stack.swarm_services() != {}, 120, "the first service on the Swarm")
        proxy.kill()
        proxy.wait()
        time.sleep(3)
        proxy = start_proxy(stack, socket_path)
        # fails where a call found the API gone; else the readiness wait rode out the outage
        if up.wait(timeout=300) == 1:
            log = stack.log_text()
            assert f"Cannot connect to the Docker daemon at {daemon}. Is the docker daemon running?" in log
        assert stack.pending() == []
        assert stack.locks() == []
        assert stack.state_objects(SECRET_TYPE) == stack.swarm_secrets()
        recorded = stack.state_objects(SERVICE_TYPE)
        unrecorded = [name for name in stack.swarm_services() if name not in recorded]
        # created while the API went away, never written to the state
        converge_after_removing_unrecorded(stack, unrecorded)
    finally:
        proxy.kill()
        proxy.wait()


def test_a_second_up_at_the_same_time_is_refused_by_the_lock_and_the_first_completes(
    stack: FaultStack,
) -> None:
    first = stack.start("up", "--yes")
    wait_for(lambda: stack.locks() != [], 60, "the first up to take the stack's lock")
    [lock] = stack.locks()
    second = stack.cli("up", "--yes")
    assert second.returncode == 1, second.output
    assert LOCKED in second.output
    assert f"(pid {first.pid})" in second.output
    assert first.wait(timeout=300) == 0, stack.log_text()
    assert not lock.exists()
    stack.assert_converged()
    again = stack.cli("preview")
    # 3 functions: 3 components more, and the readiness wait
    assert "    13 unchanged\n" in again.output, again.output
    stack.destroy_and_assert_nothing_left()
    stack.assert_no_secret_value_anywhere()
