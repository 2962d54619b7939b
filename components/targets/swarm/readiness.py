"""A stack's Swarm services waited for by this project, not by the provider: `SwarmReadiness`.

The Docker provider's own wait (`convergeConfig`) only times out: a service whose tasks cannot
start (an image that is not there, a port already taken, a container that exits) fails `up` after
`swarmConvergeTimeout` with "did not converge after 2m0s", and never says why. So the services
carry no `convergeConfig` and one `SwarmReadiness` per stack watches every service's tasks through
the Docker Engine API, as `docker service ps` shows them, and fails as soon as a task's failure is
certain, quoting Docker's own words for it.

A service is ready when it is not in the middle of a rolling update (`UpdateStatus` absent or
`completed`) and as many of its tasks run as it asks replicas. It has failed when a task of its
current spec (created after the service's last update) was rejected (Docker could not even create
its container: `No such image`, a port in use, a missing secret), could not be placed on any node,
or when `CRASHES` of them exited; or when its rolling update paused or rolled back.

The provider is pickled by reference to this module: keep `SwarmReadinessProvider` resolvable here.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic

from components.shared.redaction import redactor
from components.targets.wait import WaitProvider, WaitResource

POLL_SECONDS = 0.5
CRASHES = 2
API_SECONDS = 10.0


class NotReady(Exception):
    """A function's service cannot or did not become ready; the message is safe to show."""


@dataclass(frozen=True)
class Waited:
    """One function's service to wait for, by name; `since` (an RFC 3339 UTC time) when only tasks
    from then on count: a wait again for an unchanged spec ignores the last wait's failures."""

    name: str
    since: str = ""

    @property
    def where(self) -> str:
        return f"function {self.name!r}"


def service_state(
    service: Mapping[str, Any], tasks: Sequence[Mapping[str, Any]], since: str = ""
) -> tuple[bool, str, str]:
    """(ready, why it failed or "", what it waits for) of one service and its tasks; only tasks
    created since the service's last update, and since `since`, can fail it."""
    spec = service.get("Spec") or {}
    wanted = int((((spec.get("Mode") or {}).get("Replicated") or {}).get("Replicas")) or 1)
    update = service.get("UpdateStatus") or {}
    update_state = str(update.get("State") or "")
    if update_state in ("paused", "rollback_started", "rollback_paused", "rollback_completed"):
        return (
            False,
            f"its update {update_state.replace('_', ' ')}: {update.get('Message') or 'no reason given'}",
            "",
        )
    since = max(_timestamp(service.get("UpdatedAt") or service.get("CreatedAt")), _timestamp(since))
    current = [t for t in tasks if _timestamp(t.get("CreatedAt")) >= since]
    for task in current:
        status = task.get("Status") or {}
        state, error = str(status.get("State") or ""), str(status.get("Err") or "")
        if state == "rejected":
            return (
                False,
                f"Docker rejected its task: {error or status.get('Message') or 'no reason given'}",
                "",
            )
        if state == "pending" and "no suitable node" in error:
            return False, f"no node can run its task: {error}", ""
    failed = [t for t in current if (t.get("Status") or {}).get("State") == "failed"]
    if len(failed) >= CRASHES:
        status = failed[-1].get("Status") or {}
        code = (status.get("ContainerStatus") or {}).get("ExitCode")
        words = str(status.get("Err") or "the container exited")
        return False, f"its container keeps exiting ({words}" + (f", exit code {code})" if code else ")"), ""
    running = sum(
        1
        for t in tasks
        if t.get("DesiredState") == "running" and (t.get("Status") or {}).get("State") == "running"
    )
    if update_state not in ("", "completed"):
        return False, "", f"its update is {update_state}, {running} of {wanted} tasks running"
    if running < wanted:
        last = max(tasks, key=lambda t: _timestamp(t.get("CreatedAt")), default=None)
        status = (last or {}).get("Status") or {}
        why = f" (its last task: {status.get('State')}: {status.get('Err')})" if status.get("Err") else ""
        return False, "", f"{running} of {wanted} tasks running{why}"
    return True, "", ""


def _timestamp(value: object) -> str:
    """Docker's RFC 3339 times compare as text once cut to the second (they share one zone, UTC)."""
    return str(value or "")[:19]


class DockerAPI:
    """The Docker Engine API over its unix socket: the two reads the wait makes, as JSON."""

    def __init__(self, socket_path: str) -> None:
        self.socket_path = socket_path

    def _get(self, path: str) -> Any:
        connection = _UnixConnection(self.socket_path)
        try:
            connection.request("GET", path, headers={"Host": "docker"})
            response = connection.getresponse()
            data = response.read()
            if response.status == 404:
                return None
            if response.status >= 400:
                raise NotReady(f"the Docker API answered {response.status} to {path.split('?')[0]}")
            return json.loads(data)
        finally:
            connection.close()

    def service(self, name: str) -> Mapping[str, Any] | None:
        found = self._get(f"/services/{urllib.parse.quote(name, safe='')}")
        return found if isinstance(found, dict) else None

    def tasks(self, name: str) -> list[Mapping[str, Any]]:
        filters = urllib.parse.quote(json.dumps({"service": {name: True}}))
        found = self._get(f"/tasks?filters={filters}")
        return [t for t in found or [] if isinstance(t, dict)]


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=API_SECONDS)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(API_SECONDS)
        self.sock.connect(self._path)


def wait_for(
    services: Sequence[Waited],
    api: DockerAPI,
    *,
    timeout: float,
    secrets: Sequence[str] = (),
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Return when every service is ready; raise `NotReady` naming each function that failed (as
    soon as it is certain) or is not ready when `timeout` seconds have passed."""
    redact = redactor(secrets)
    deadline = clock() + timeout
    pending = {s.name: s for s in services}
    progress: dict[str, str] = {}
    while pending:
        failures: list[str] = []
        for name, waited in sorted(pending.items()):
            try:
                service = api.service(name)
                tasks = api.tasks(name) if service is not None else []
            except OSError as error:  # the daemon restarting: wait for it, as for the tasks
                progress[name] = f"the Docker API cannot be reached ({type(error).__name__})"
                continue
            if service is None:
                progress[name] = "its service does not exist"
                continue
            ready, failure, state = service_state(service, tasks, waited.since)
            if ready:
                del pending[name]
            elif failure:
                failures.append(f"{waited.where} cannot start: {redact(failure)}")
            else:
                progress[name] = state
        if failures:
            raise NotReady("\n".join(failures))
        if not pending:
            return
        if clock() >= deadline:
            raise NotReady(
                "\n".join(
                    f"{w.where} is not ready after {timeout:g}s: {progress.get(name, 'waiting')}: see "
                    f"`docker service ps --no-trunc {name}`, or raise swarmConvergeTimeout"
                    for name, w in sorted(pending.items())
                )
            )
        sleep(POLL_SECONDS)


# ---------------------------------------------------------------- the Pulumi side

PROPS = ("services", "timeout_seconds", "socket")


def _wait(props: Mapping[str, Any], olds: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Wait; a function that is not ready is an output (`failures`), not an exception: the
    program turns it into its error, so the user reads the reason without a traceback. A service
    whose spec is the one of the last wait (`olds`) is judged by its tasks from now on."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    before = {str(s.get("name")): s.get("spec") for s in (olds or {}).get("services") or []}
    services = [
        Waited(str(s["name"]), now if before.get(str(s["name"])) == s.get("spec") else "")
        for s in props.get("services") or []
    ]
    secrets = [str(value) for value in props.get("secret_values") or [] if str(value)]
    failures = ""
    try:
        wait_for(
            services,
            DockerAPI(str(props["socket"])),
            timeout=float(props["timeout_seconds"]),
            secrets=secrets,
        )
    except NotReady as error:
        failures = str(error)
    except OSError as error:
        failures = f"the services' tasks cannot be read from the Docker API ({type(error).__name__})"
    except Exception as error:  # whatever it says may quote a task's environment: name only its kind
        failures = f"the services' tasks could not be read from the Docker API ({type(error).__name__})"
    return {key: props.get(key) for key in PROPS} | {"failures": failures}


class SwarmReadinessProvider(WaitProvider):
    """Waits for the services on create and update; a changed service spec (or a new service) is
    an update."""

    PROPS = PROPS

    def wait(self, news: Mapping[str, Any], olds: Mapping[str, Any] | None) -> dict[str, Any]:
        return _wait(news, olds)


@dataclass(frozen=True)
class SwarmReadinessArgs:
    """The services to wait for (name, and a digest of the spec that was applied), how long, the
    Docker API's unix socket, and the secret values a message must not show."""

    services: Sequence[Mapping[str, pulumi.Input[Any]]]
    timeout_seconds: float
    socket: str
    secret_values: Sequence[pulumi.Input[str]] = ()


class SwarmReadiness(WaitResource, module="openfaas", name="SwarmReadiness"):
    """Waits for every function service of a stack, failing early with Docker's reason.

    Type `pulumi-python:dynamic/openfaas:SwarmReadiness`.
    """

    def __init__(
        self, name: str, args: SwarmReadinessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props: dict[str, Any] = {
            "services": list(args.services),
            "timeout_seconds": args.timeout_seconds,
            "socket": args.socket,
            "secret_values": pulumi.Output.secret(list(args.secret_values)),
            "failures": None,
        }
        super().__init__(SwarmReadinessProvider(), name, props, opts)
