"""When a Swarm service is ready, and when its failure is certain (Docker's task states)."""

from __future__ import annotations

from typing import Any

import pytest

from components.targets.swarm.readiness import NotReady, Waited, service_state, wait_for

UPDATED = "2026-12-05T07:00:00.123456789Z"


def service(replicas: int = 1, update: str | None = None, message: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {
        "Spec": {"Mode": {"Replicated": {"Replicas": replicas}}},
        "CreatedAt": "2026-12-05T06:00:00Z",
        "UpdatedAt": UPDATED,
    }
    if update:
        found["UpdateStatus"] = {"State": update, "Message": message}
    return found


def task(
    state: str, err: str = "", created: str = "2026-12-05T07:00:01Z", exit_code: int = 0
) -> dict[str, Any]:
    status: dict[str, Any] = {"State": state, "Err": err}
    if exit_code:
        status["ContainerStatus"] = {"ExitCode": exit_code}
    desired = "running" if state in ("running", "pending", "starting") else "shutdown"
    return {"CreatedAt": created, "DesiredState": desired, "Status": status}


def test_a_service_with_all_its_tasks_running_is_ready() -> None:
    assert service_state(service(2), [task("running"), task("running")]) == (True, "", "")


def test_a_service_still_starting_says_how_many_tasks_run() -> None:
    assert service_state(service(2), [task("running"), task("starting")]) == (
        False,
        "",
        "1 of 2 tasks running",
    )


def test_a_rejected_task_fails_at_once_with_dockers_words() -> None:
    rejected = task("rejected", "No such image: functions/api-key-protected:missing")
    assert service_state(service(), [rejected]) == (
        False,
        "Docker rejected its task: No such image: functions/api-key-protected:missing",
        "",
    )


def test_a_task_of_an_earlier_spec_does_not_fail_the_current_one() -> None:
    old = task("rejected", "No such image: old", created="2026-12-05T06:59:59Z")
    assert service_state(service(), [old, task("running")]) == (True, "", "")


def test_one_exit_is_waited_for_and_two_are_a_crash_with_the_exit_code() -> None:
    one = [
        task("failed", "task: non-zero exit (3)", exit_code=3),
        task("starting", created="2026-12-05T07:00:09Z"),
    ]
    assert service_state(service(), one) == (False, "", "0 of 1 tasks running")
    two = [*one, task("failed", "task: non-zero exit (3)", exit_code=3)]
    assert service_state(service(), two) == (
        False,
        "its container keeps exiting (task: non-zero exit (3), exit code 3)",
        "",
    )


def test_waiting_again_for_the_same_spec_ignores_the_last_waits_failures_and_says_what_they_were() -> None:
    rejected = task("rejected", "No such image: x:1", created="2026-12-05T07:00:01Z")
    assert service_state(service(), [rejected], since="2026-12-05T07:05:00Z") == (
        False,
        "",
        "0 of 1 tasks running (its last task: rejected: No such image: x:1)",
    )


def test_a_task_no_node_can_run_fails() -> None:
    pending = task("pending", "no suitable node (scheduling constraints not satisfied on 1 node)")
    assert service_state(service(), [pending])[1] == (
        "no node can run its task: no suitable node (scheduling constraints not satisfied on 1 node)"
    )


def test_an_update_that_rolled_back_fails_with_its_message() -> None:
    rolled = service(update="rollback_completed", message="rollback completed")
    assert service_state(rolled, [task("running")])[1] == "its update rollback completed: rollback completed"


class FakeAPI:
    def __init__(self, services: dict[str, dict[str, Any]], tasks: dict[str, list[dict[str, Any]]]) -> None:
        self._services, self._tasks = services, tasks

    def service(self, name: str) -> dict[str, Any] | None:
        return self._services.get(name)

    def tasks(self, name: str) -> list[dict[str, Any]]:
        return self._tasks.get(name, [])


def test_the_wait_names_each_failed_function_and_redacts_secret_values() -> None:
    api = FakeAPI(
        {"a": service(), "b": service()},
        {"a": [task("running")], "b": [task("rejected", "secret hunter2-value-77 not found")]},
    )
    with pytest.raises(NotReady) as caught:
        wait_for([Waited("a"), Waited("b")], api, timeout=5, secrets=["hunter2-value-77"])  # type: ignore[arg-type]
    assert (
        str(caught.value) == "function 'b' cannot start: Docker rejected its task: secret [secret] not found"
    )


def test_the_wait_times_out_saying_where_each_function_is() -> None:
    api = FakeAPI({"a": service(2)}, {"a": [task("running")]})
    ticks = iter(range(100))
    with pytest.raises(NotReady) as caught:
        wait_for([Waited("a")], api, timeout=3, clock=lambda: float(next(ticks)), sleep=lambda _: None)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "function 'a' is not ready after 3s: 1 of 2 tasks running: see `docker service ps --no-trunc a`, "
        "or raise swarmConvergeTimeout"
    )
