"""A stack's function Deployments waited for by this project, not by the provider: `Readiness`.

pulumi-kubernetes awaits each object on its own: a Service holds an engine slot for at least 10 s
after the last Endpoints event whatever the pods do (`provider/pkg/await/service.go`,
`processEndpointEvent`: `time.Sleep(10 * time.Second)`), a Deployment only reports a pod that
cannot start when `kubernetesReadyTimeout` runs out, and the engine runs 8 of them at once here
(`--parallel`, 4 per CPU). So the Deployment and the Service carry `pulumi.com/skipAwait` and one
`Readiness` resource per stack waits for every Deployment in one call (one list of Deployments,
ReplicaSets and pods per namespace per poll, never one thread per function: Python dynamic
providers serve 4 calls at once, `ThreadPoolExecutor(max_workers=4)` in
`pulumi/dynamic/__main__.py`). The checks run after it; they prove the Service routes.

A Deployment is ready by `kubectl rollout status`'s rule: observed generation at least the one
applied, updated = desired replicas, no old replicas left, available = updated. It has failed as
soon as a pod of its newest ReplicaSet says why it cannot start (`FATAL_REASONS`, an
unschedulable pod, a container that keeps exiting): the error names the function, the reason and
the container's own words, and the last lines of a crashing container's log with every secret
value redacted. Anything slower fails when the timeout runs out, saying where each function is.

The provider is pickled by reference to this module: keep `ReadinessProvider` resolvable here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic

from components.shared.kube_client import KUBERNETES_LOGS, KubeClientError, api_client
from components.shared.kubeconfig import ClusterAccess
from components.shared.redaction import excerpt, redactor
from components.targets.kubernetes.rules import FUNCTION_LABEL
from components.targets.wait import WaitProvider, WaitResource

POLL_SECONDS = 0.5
LOG_LINES = 5
LOG_BYTES = 4096
LOG_LINE_CHARS = 300
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
# A container waiting for one of these will not start without a change (kubelet's own reasons).
FATAL_REASONS = {
    "ErrImageNeverPull": "its image is not on the node and imagePullPolicy is Never",
    "ErrImagePull": "its image cannot be pulled",
    "ImagePullBackOff": "its image cannot be pulled",
    "InvalidImageName": "its image name is not valid",
    "CreateContainerConfigError": "its container cannot be configured",
    "CreateContainerError": "its container cannot be created",
    "CrashLoopBackOff": "its container keeps exiting",
}
# A container that exited this often without becoming ready is crashing, even before kubelet's
# back-off names it CrashLoopBackOff.
CRASH_RESTARTS = 2


class NotReady(Exception):
    """A function's Deployment cannot or did not become ready; the message is safe to show."""


@dataclass(frozen=True)
class Rollout:
    """One function Deployment to wait for: where it is and the generation that was applied."""

    namespace: str
    name: str
    generation: int

    @property
    def where(self) -> str:
        return f"function {self.name!r} in namespace {self.namespace!r}"


def rollout_state(deployment: Mapping[str, Any], generation: int) -> tuple[bool, str]:
    """(ready, what it waits for) by `kubectl rollout status`'s rule; a stuck rollout is not
    ready and says so (the caller fails it)."""
    status = deployment.get("status") or {}
    spec = deployment.get("spec") or {}
    wanted = int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1)
    if int(status.get("observedGeneration") or 0) < generation:
        return False, "the Deployment's new spec is not yet seen by its controller"
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Progressing" and condition.get("reason") == "ProgressDeadlineExceeded":
            return False, f"its rollout exceeded its progress deadline ({condition.get('message', '')})"
    updated = int(status.get("updatedReplicas") or 0)
    total = int(status.get("replicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    if updated < wanted:
        return False, f"{updated} of {wanted} new replicas created"
    if total > updated:
        return False, f"{total - updated} old replicas still running"
    if available < updated:
        return False, f"{available} of {updated} new replicas available"
    return True, "ready"


def pod_problem(pod: Mapping[str, Any]) -> tuple[str, str] | None:
    """(reason, the pod's own words) when a pod cannot start without a change, else None."""
    status = pod.get("status") or {}
    for condition in status.get("conditions") or []:
        if (
            condition.get("type") == "PodScheduled"
            and condition.get("status") == "False"
            and condition.get("reason") == "Unschedulable"
        ):
            return "Unschedulable", str(condition.get("message") or "no node can run it")
    for container in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]:
        state = container.get("state") or {}
        waiting = state.get("waiting") or {}
        reason = str(waiting.get("reason") or "")
        if reason in FATAL_REASONS:
            return reason, str(waiting.get("message") or "")
        last = (container.get("lastState") or {}).get("terminated") or {}
        if int(container.get("restartCount") or 0) >= CRASH_RESTARTS and last and not container.get("ready"):
            return "CrashLoopBackOff", str(last.get("reason") or "")
    return None


def exit_code(pod: Mapping[str, Any]) -> int | None:
    """The exit code of the pod's last terminated container, if any."""
    for container in (pod.get("status") or {}).get("containerStatuses") or []:
        last = (container.get("lastState") or {}).get("terminated") or (container.get("state") or {}).get(
            "terminated"
        )
        if last and last.get("exitCode") is not None:
            return int(last["exitCode"])
    return None


def newest_pods(
    deployment: Mapping[str, Any],
    replica_sets: Iterable[Mapping[str, Any]],
    pods: Iterable[Mapping[str, Any]],
) -> list[Mapping[str, Any]]:
    """The pods of the Deployment's newest ReplicaSet (its revision), which a rollout waits for;
    an old pod's trouble is the old spec's."""
    metadata = deployment.get("metadata") or {}
    uid, revision = metadata.get("uid"), (metadata.get("annotations") or {}).get(REVISION_ANNOTATION)
    hashes = {
        ((rs.get("metadata") or {}).get("labels") or {}).get("pod-template-hash")
        for rs in replica_sets
        if any(owner.get("uid") == uid for owner in (rs.get("metadata") or {}).get("ownerReferences") or [])
        and ((rs.get("metadata") or {}).get("annotations") or {}).get(REVISION_ANNOTATION) == revision
    } - {None}
    return [
        pod
        for pod in pods
        if ((pod.get("metadata") or {}).get("labels") or {}).get("pod-template-hash") in hashes
    ]


class Cluster:
    """The API calls the wait makes, as JSON; one object per wait (its own client)."""

    def __init__(self, access: ClusterAccess) -> None:
        from kubernetes import client as kube

        self._client = api_client(access)
        self._apps = kube.AppsV1Api(self._client)
        self._core = kube.CoreV1Api(self._client)

    def _items(self, call: Callable[..., Any], namespace: str) -> list[Mapping[str, Any]]:
        response = call(namespace, label_selector=FUNCTION_LABEL, _preload_content=False, _request_timeout=10)
        items = json.loads(response.data).get("items") or []
        return [item for item in items if isinstance(item, dict)]

    # Every function's objects of the namespace (labelled `faas_function`), sorted out by the
    # caller: a selector naming many functions makes a URL longer than an API server takes.
    def deployments(self, namespace: str) -> dict[str, Mapping[str, Any]]:
        found = self._items(self._apps.list_namespaced_deployment, namespace)
        return {str((d.get("metadata") or {}).get("name")): d for d in found}

    def replica_sets(self, namespace: str) -> list[Mapping[str, Any]]:
        return self._items(self._apps.list_namespaced_replica_set, namespace)

    def pods(self, namespace: str) -> list[Mapping[str, Any]]:
        return self._items(self._core.list_namespaced_pod, namespace)

    def log_tail(self, namespace: str, pod: str, container: str) -> str:
        response = self._core.read_namespaced_pod_log(
            pod,
            namespace,
            container=container,
            previous=True,
            tail_lines=LOG_LINES,
            limit_bytes=LOG_BYTES,
            _preload_content=False,
            _request_timeout=10,
        )
        return bytes(response.data).decode("utf-8", "replace")


def wait_for(
    rollouts: Sequence[Rollout],
    cluster: Cluster,
    *,
    timeout: float,
    secrets: Sequence[str] = (),
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Return when every rollout is ready; raise `NotReady` naming each function that failed (as
    soon as a reason is certain) or is not ready when `timeout` seconds have passed."""
    redact = redactor(secrets)
    deadline = clock() + timeout
    pending = {(r.namespace, r.name): r for r in rollouts}
    progress: dict[tuple[str, str], str] = {}
    while pending:
        failures: list[str] = []
        for namespace in sorted({ns for ns, _ in pending}):
            waiting = {name: r for (ns, name), r in pending.items() if ns == namespace}
            deployments = cluster.deployments(namespace)
            troubled: dict[str, Mapping[str, Any]] = {}
            for name, rollout in waiting.items():
                deployment = deployments.get(name)
                if deployment is None:
                    progress[(namespace, name)] = "its Deployment does not exist"
                    continue
                ready, state = rollout_state(deployment, rollout.generation)
                if ready:
                    del pending[(namespace, name)]
                elif "progress deadline" in state:
                    failures.append(f"{rollout.where} is not ready: {redact(state)}")
                else:
                    progress[(namespace, name)] = state
                    troubled[name] = deployment
            if troubled:
                failures += _pod_failures(cluster, namespace, troubled, pending, redact, secrets)
        if failures:
            raise NotReady("\n".join(failures))
        if not pending:
            return
        if clock() >= deadline:
            raise NotReady(
                "\n".join(
                    f"{r.where} is not ready after {timeout:g}s: {progress.get(key, 'waiting')}: see "
                    f"`kubectl -n {r.namespace} describe deployment {r.name}`, or raise "
                    "kubernetesReadyTimeout"
                    for key, r in sorted(pending.items())
                )
            )
        sleep(POLL_SECONDS)


def _pod_failures(
    cluster: Cluster,
    namespace: str,
    deployments: Mapping[str, Mapping[str, Any]],
    pending: Mapping[tuple[str, str], Rollout],
    redact: Callable[[str], str],
    secrets: Sequence[str],
) -> list[str]:
    replica_sets, pods = cluster.replica_sets(namespace), cluster.pods(namespace)
    failures: list[str] = []
    for name, deployment in sorted(deployments.items()):
        own = [
            pod
            for pod in pods
            if ((pod.get("metadata") or {}).get("labels") or {}).get(FUNCTION_LABEL) == name
        ]
        for pod in newest_pods(deployment, replica_sets, own):
            problem = pod_problem(pod)
            if problem is None:
                continue
            reason, words = problem
            explained = FATAL_REASONS.get(reason, "no node can run its pod")
            message = f"{pending[(namespace, name)].where} cannot start: {explained} ({reason})"
            if words:
                message += f": {redact(words)}"
            if reason == "CrashLoopBackOff":
                message += _crash_details(cluster, namespace, pod, name, redact, secrets)
            failures.append(message)
            break
    return failures


def _crash_details(
    cluster: Cluster,
    namespace: str,
    pod: Mapping[str, Any],
    container: str,
    redact: Callable[[str], str],
    secrets: Sequence[str],
) -> str:
    code = exit_code(pod)
    details = f"; it exited with code {code}" if code is not None else ""
    try:
        tail = cluster.log_tail(namespace, str((pod.get("metadata") or {}).get("name")), container)
    except Exception:  # a log that cannot be read is only a detail missing
        return details
    lines = [line for line in tail.splitlines() if line.strip()][-LOG_LINES:]
    if not lines:
        return details
    shown = [excerpt(line, redact, secrets, limit=LOG_LINE_CHARS) for line in lines]
    return details + "; the last lines of its log:\n    " + "\n    ".join(shown)


# ---------------------------------------------------------------- the Pulumi side

PROPS = ("rollouts", "timeout_seconds", "kubeconfig", "kube_context")


def _rollouts(props: Mapping[str, Any]) -> list[Rollout]:
    raw = props.get("rollouts") or []
    return [Rollout(str(r["namespace"]), str(r["name"]), int(float(r["generation"]))) for r in raw]


def _wait(props: Mapping[str, Any]) -> dict[str, Any]:
    rollouts = _rollouts(props)
    secrets = [str(value) for value in props.get("secret_values") or [] if str(value)]
    access = ClusterAccess(str(props.get("kubeconfig") or ""), str(props.get("kube_context") or ""))
    failures = ""
    try:
        with KUBERNETES_LOGS.closed():
            wait_for(rollouts, Cluster(access), timeout=float(props["timeout_seconds"]), secrets=secrets)
    except NotReady as error:
        failures = str(error)
    except KubeClientError as error:
        failures = f"the functions' readiness cannot be read: {error}"
    except Exception as error:
        # Whatever it says may quote a kubeconfig or a log: name only its kind.
        failures = f"the functions' readiness could not be read from the API server ({type(error).__name__})"
    return {key: props.get(key) for key in PROPS} | {
        "ready": 0 if failures else len(rollouts),
        "failures": failures,
    }


class ReadinessProvider(WaitProvider):
    """Waits for the rollouts on create and update; a new generation of any Deployment (or a new
    Deployment) is an update."""

    PROPS = PROPS

    def wait(self, news: Mapping[str, Any], olds: Mapping[str, Any] | None) -> dict[str, Any]:
        return _wait(news)


@dataclass(frozen=True)
class ReadinessArgs:
    """The Deployments to wait for (namespace, name, applied generation), how long, which cluster,
    and the secret values a log excerpt must not show."""

    rollouts: Sequence[Mapping[str, pulumi.Input[Any]]]
    timeout_seconds: float
    cluster: ClusterAccess
    secret_values: Sequence[pulumi.Input[str]] = ()


class Readiness(WaitResource, module="openfaas", name="Readiness"):
    """Waits for every function Deployment of a stack, failing early with each pod's own reason.

    Type `pulumi-python:dynamic/openfaas:Readiness`.
    """

    def __init__(self, name: str, args: ReadinessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        cluster = args.cluster
        secret = pulumi.Output.secret if cluster.secret else (lambda value: value)
        props: dict[str, Any] = {
            "rollouts": list(args.rollouts),
            "timeout_seconds": args.timeout_seconds,
            "kubeconfig": secret(cluster.kubeconfig) if cluster.kubeconfig else None,
            "kube_context": secret(cluster.context) if cluster.context else None,
            "secret_values": pulumi.Output.secret(list(args.secret_values)),
            "failures": None,
        }
        super().__init__(ReadinessProvider(), name, props, opts)
