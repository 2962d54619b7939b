"""Readiness decided by the project: kubectl's rollout rule, and a pod's own reason as soon as it
is certain, without a secret value in what is shown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from components.targets.kubernetes.readiness import (
    NotReady,
    Rollout,
    newest_pods,
    pod_problem,
    rollout_state,
    wait_for,
)

SECRET = "Kv7QpZr2xWm9Lt4Bn8Hy"


def deployment(generation: int = 2, *, observed: int = 2, wanted: int = 1, **status: int) -> dict[str, Any]:
    return {
        "metadata": {
            "name": "hello",
            "uid": "d-1",
            "generation": generation,
            "annotations": {"deployment.kubernetes.io/revision": "3"},
        },
        "spec": {"replicas": wanted},
        "status": {"observedGeneration": observed, **status},
    }


def replica_set(revision: str, template_hash: str, owner: str = "d-1") -> dict[str, Any]:
    return {
        "metadata": {
            "labels": {"pod-template-hash": template_hash},
            "annotations": {"deployment.kubernetes.io/revision": revision},
            "ownerReferences": [{"uid": owner}],
        }
    }


def pod(template_hash: str = "new", **container: Any) -> dict[str, Any]:
    return {
        "metadata": {
            "name": f"hello-{template_hash}-x",
            "labels": {"pod-template-hash": template_hash, "faas_function": "hello"},
        },
        "status": {"containerStatuses": [{"name": "hello", "ready": False, **container}]},
    }


def waiting(reason: str, message: str = "") -> dict[str, Any]:
    return {"state": {"waiting": {"reason": reason, "message": message}}}


def test_a_rollout_is_ready_when_every_new_replica_is_available() -> None:
    assert rollout_state(deployment(updatedReplicas=1, replicas=1, availableReplicas=1), 2) == (True, "ready")


def test_a_rollout_whose_new_spec_is_not_observed_yet_waits() -> None:
    assert rollout_state(deployment(observed=1, updatedReplicas=1, replicas=1, availableReplicas=1), 2) == (
        False,
        "the Deployment's new spec is not yet seen by its controller",
    )


def test_old_replicas_still_running_keep_a_rollout_waiting() -> None:
    assert rollout_state(deployment(updatedReplicas=1, replicas=2, availableReplicas=1), 2) == (
        False,
        "1 old replicas still running",
    )


def test_a_new_replica_not_yet_available_keeps_a_rollout_waiting() -> None:
    assert rollout_state(deployment(updatedReplicas=1, replicas=1, availableReplicas=0), 2) == (
        False,
        "0 of 1 new replicas available",
    )


@pytest.mark.parametrize(
    "reason",
    ["ErrImageNeverPull", "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CrashLoopBackOff"],
)
def test_a_container_waiting_for_a_fatal_reason_is_a_problem_with_its_own_words(reason: str) -> None:
    assert pod_problem(pod(**waiting(reason, "the node says why"))) == (reason, "the node says why")


def test_a_container_still_creating_is_no_problem() -> None:
    assert pod_problem(pod(**waiting("ContainerCreating"))) is None


def test_a_container_that_exited_twice_is_crashing_before_kubelet_names_it() -> None:
    crashed = pod(restartCount=2, lastState={"terminated": {"exitCode": 3, "reason": "Error"}})
    assert pod_problem(crashed) == ("CrashLoopBackOff", "Error")


def test_an_unschedulable_pod_is_a_problem() -> None:
    unschedulable = {
        "metadata": {},
        "status": {
            "conditions": [
                {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/1 nodes"}
            ]
        },
    }
    assert pod_problem(unschedulable) == ("Unschedulable", "0/1 nodes")


def test_only_the_pods_of_the_newest_replica_set_count() -> None:
    sets = [replica_set("2", "old"), replica_set("3", "new"), replica_set("3", "other", owner="d-2")]
    pods = [pod("old"), pod("new"), pod("other")]
    assert [p["metadata"]["labels"]["pod-template-hash"] for p in newest_pods(deployment(), sets, pods)] == [
        "new"
    ]


class FakeCluster:
    """The API answers of one namespace, as the wait reads them, changing poll by poll."""

    def __init__(self, polls: Sequence[Mapping[str, Any]], log: str = "") -> None:
        self.polls = list(polls)
        self.log = log
        self.calls = 0

    def _now(self) -> Mapping[str, Any]:
        return self.polls[min(self.calls - 1, len(self.polls) - 1)]

    def deployments(self, namespace: str) -> dict[str, Mapping[str, Any]]:
        self.calls += 1
        return {"hello": self._now()["deployment"]}

    def replica_sets(self, namespace: str) -> list[Mapping[str, Any]]:
        return [replica_set("3", "new")]

    def pods(self, namespace: str) -> list[Mapping[str, Any]]:
        return list(self._now().get("pods", []))

    def log_tail(self, namespace: str, pod: str, container: str) -> str:
        return self.log


HELLO = Rollout("fn", "hello", 2)


def run_wait(cluster: FakeCluster, timeout: float = 60.0) -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    wait_for([HELLO], cluster, timeout=timeout, secrets=[SECRET], clock=lambda: now[0], sleep=sleep)  # type: ignore[arg-type]


def test_the_wait_returns_once_the_rollout_is_ready() -> None:
    starting = {
        "deployment": deployment(updatedReplicas=1, replicas=1),
        "pods": [pod(**waiting("ContainerCreating"))],
    }
    ready = {"deployment": deployment(updatedReplicas=1, replicas=1, availableReplicas=1)}
    cluster = FakeCluster([starting, starting, ready])
    run_wait(cluster)
    assert cluster.calls == 3


def test_a_missing_image_fails_at_once_naming_the_function_and_the_reason() -> None:
    never = pod(**waiting("ErrImageNeverPull", 'Container image "functions/nope:1" is not present'))
    cluster = FakeCluster([{"deployment": deployment(updatedReplicas=1, replicas=1), "pods": [never]}])
    with pytest.raises(NotReady) as failed:
        run_wait(cluster)
    assert str(failed.value) == (
        "function 'hello' in namespace 'fn' cannot start: its image is not on the node and "
        'imagePullPolicy is Never (ErrImageNeverPull): Container image "functions/nope:1" is not present'
    )
    assert cluster.calls == 1


def test_a_crashing_function_fails_with_its_exit_code_and_log_without_the_secret() -> None:
    crashing = pod(
        restartCount=2,
        lastState={"terminated": {"exitCode": 1, "reason": "Error"}},
        **waiting("CrashLoopBackOff", "back-off 10s restarting failed container"),
    )
    log = f"starting\nusing key {SECRET}\npanic: no database\n"
    cluster = FakeCluster(
        [{"deployment": deployment(updatedReplicas=1, replicas=1), "pods": [crashing]}], log
    )
    with pytest.raises(NotReady) as failed:
        run_wait(cluster)
    assert str(failed.value) == (
        "function 'hello' in namespace 'fn' cannot start: its container keeps exiting (CrashLoopBackOff): "
        "back-off 10s restarting failed container; it exited with code 1; the last lines of its log:\n"
        "    starting\n    using key [secret]\n    panic: no database"
    )
    assert SECRET not in str(failed.value)


def test_a_rollout_still_waiting_at_the_timeout_says_where_it_is() -> None:
    slow = {
        "deployment": deployment(updatedReplicas=1, replicas=1),
        "pods": [pod(**waiting("ContainerCreating"))],
    }
    with pytest.raises(NotReady) as failed:
        run_wait(FakeCluster([slow]), timeout=2)
    assert str(failed.value) == (
        "function 'hello' in namespace 'fn' is not ready after 2s: 0 of 1 new replicas available: see "
        "`kubectl -n fn describe deployment hello`, or raise kubernetesReadyTimeout"
    )
