"""Functions `faas-cli deploy` made, adopted by `pulumi up` with no failed call (issue 20).

The objects are made as faas-netes makes them (`tests/support/faas_netes.py`, built from its
source), with the `uid` label of a second deploy, shuffled projected items and a read-only root
filesystem, and written by the field manager `faas-netes` with Update as faas-netes writes. One
function mounts a secret made as `faas-cli secret create` makes it; one mounts none. The image
pull policy is `Never` (faas-netes forces `Always`): no registry is reachable from the node.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi.automation import EngineEvent

from tests.engine.harness import EngineProject
from tests.engine.kube_support import (
    apply_objects,
    call_function,
    delete_namespace,
    kube_project,
    kubectl,
    unique_namespace,
)
from tests.support.faas_netes import (
    FAAS_NETES_MANAGER,
    faas_netes_deployment,
    faas_netes_secret,
    faas_netes_service,
)
from tests.support.mocks import DEMO_SECRET
from tests.support.secret_search import leaks

pytestmark = [pytest.mark.engine, pytest.mark.kube]

IMAGE = "functions/api-key-protected:latest"
OWNER = "team-a-owner-token-4411"
STACK = """\
provider:
  name: openfaas

functions:
  protectedapi:
    image: functions/api-key-protected:latest
    readonly_root_filesystem: true
    secrets:
      - secret_api_key
  plainapi:
    image: functions/api-key-protected:latest
    environment:
      mode: pulumi
"""


def create_as_faas_netes(*objects: dict[str, Any]) -> None:
    """Create each object as faas-netes does: a plain create (Update), its manager `faas-netes`."""
    for obj in objects:
        kubectl(
            "create", f"--field-manager={FAAS_NETES_MANAGER}", "-f", "-", output="name", stdin=json.dumps(obj)
        )


def faas_cli_deploy_again(namespace: str, name: str, environment: dict[str, str], uid: int) -> None:
    """What `faas-cli deploy` of an existing function does (faas-netes `pkg/handlers/update.go`
    92-183): read the Deployment, replace the environment, the pod labels (with a new `uid`) and the
    annotations (which drops the program's), write it back with Update."""
    deployment = kubectl("get", "deployment", name, "-n", namespace)
    template = deployment["spec"]["template"]
    template["metadata"]["labels"] = {"faas_function": name, "uid": str(uid)}
    template["spec"]["containers"][0]["env"] = [
        {"name": k, "value": v} for k, v in sorted(environment.items())
    ]
    annotations = {"prometheus.io.scrape": "false"}
    deployment["metadata"]["annotations"] = annotations
    template["metadata"]["annotations"] = annotations
    kubectl(
        "replace",
        f"--field-manager={FAAS_NETES_MANAGER}",
        "-f",
        "-",
        output="name",
        stdin=json.dumps(deployment),
    )


class Caller:
    """Calls both functions through the API server's service proxy until stopped; keeps every failure."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.calls = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            # Each function's own answer to an invocation: plainapi mounts no secret, so it says so.
            # Not /_/health: a pod answers that 503 from SIGTERM on, on purpose (so that it leaves
            # the endpoints), while it still serves invocations for the drain.
            for name, headers, path, status_expected, expected in (
                ("protectedapi", {"X-Api-Key": DEMO_SECRET}, "", 200, "Unlocked the function!"),
                ("plainapi", {}, "", 500, "secret secret_api_key not found"),
            ):
                try:
                    status, body = call_function(self.namespace, name, headers, path=path)
                except OSError as error:
                    status, body = 0, type(error).__name__
                self.calls += 1
                if status != status_expected or expected not in body:
                    self.failures.append(f"{name}: {status} {body[:80]!r}")
            time.sleep(0.05)

    def __enter__(self) -> Caller:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


@pytest.fixture
def faas_cli_namespace() -> Iterator[str]:
    """A namespace holding what `faas-cli secret create` and `faas-cli deploy` (twice) left."""
    namespace = unique_namespace("adopt-fn")
    apply_objects({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    secret = faas_netes_secret("secret-api-key", namespace, {"secret_api_key": DEMO_SECRET, "owner": OWNER})
    create_as_faas_netes(
        secret,
        faas_netes_deployment(
            "protectedapi",
            namespace,
            IMAGE,
            secrets={"secret-api-key": ["owner", "secret_api_key"]},
            readonly_root_filesystem=True,
            uid=482913377,
            image_pull_policy="Never",
            seed=3,
        ),
        faas_netes_service("protectedapi", namespace),
        faas_netes_deployment(
            "plainapi", namespace, IMAGE, environment={"mode": "faas-cli"}, uid=17, image_pull_policy="Never"
        ),
        faas_netes_service("plainapi", namespace),
    )
    # an autoscaler's write (as a HorizontalPodAutoscaler makes it: through the scale subresource)
    kubectl("scale", "deployment/plainapi", "-n", namespace, "--replicas=2", output="name")
    for name in ("protectedapi", "plainapi"):
        kubectl("rollout", "status", f"deployment/{name}", "-n", namespace, "--timeout=90s", output="")
    yield namespace
    delete_namespace(namespace)


def adopting_project(tmp_path: Path, namespace: str) -> EngineProject:
    project = kube_project(tmp_path, namespace)
    (project.workdir / "stack.yaml").write_text(STACK)
    project.set("createNamespaces", False)
    project.set_secret("secret_api_key.files.secret_api_key", DEMO_SECRET)
    project.set_secret("secret_api_key.files.owner", OWNER)
    project.set("adoptSecrets", ["secret_api_key"])
    project.set("adoptFunctions", "all")
    project.set(
        "checks.plainapi", {"path": "/_/health", "method": "GET", "expectStatus": 200, "timeoutSeconds": 60}
    )
    return project


def planned_changes(project: EngineProject, *, refresh: bool = False) -> dict[str, tuple[str, set[str]]]:
    """{URN: (operation, the paths its update changes)} of a preview (an import shows as `import`
    and its follow-up update as `update`)."""
    events: list[EngineEvent] = []
    result = project.stack.preview(color="never", diff=True, refresh=refresh, on_event=events.append)
    project.outputs += [result.stdout, result.stderr]
    planned: dict[str, tuple[str, set[str]]] = {}
    for event in events:
        if event.resource_pre_event is None:
            continue
        meta = event.resource_pre_event.metadata
        if meta.op.value == "same" or "::pulumi:providers:" in meta.urn:
            continue
        key = meta.urn if meta.op.value != "update" else meta.urn + "#update"
        planned[key] = (meta.op.value, set(meta.detailed_diff or {}))
    return planned


def assert_no_secret_anywhere(project: EngineProject) -> None:
    assert leaks("\n".join([*project.outputs, project.exported_state()]), [DEMO_SECRET, OWNER]) == []
    assert [project.files_containing(value) for value in (DEMO_SECRET, OWNER)] == [[], []]


def identities(namespace: str) -> dict[str, str]:
    found = {}
    for name in ("protectedapi", "plainapi"):
        found[f"deployment/{name}"] = kubectl("get", "deployment", name, "-n", namespace)["metadata"]["uid"]
        service = kubectl("get", "service", name, "-n", namespace)
        found[f"service/{name}"] = f"{service['metadata']['uid']} {service['spec']['clusterIP']}"
    return found


def test_functions_faas_cli_deployed_are_adopted_in_place_with_no_failed_call(
    tmp_path: Path, faas_cli_namespace: str
) -> None:
    namespace = faas_cli_namespace
    before = identities(namespace)
    project = adopting_project(tmp_path, namespace)
    try:
        planned = planned_changes(project)
        assert sorted(op for op, _ in planned.values() if op != "create") == ["import"] * 5 + ["update"] * 4
        changed = {path for op, paths in planned.values() if op == "update" for path in paths}
        assert not [path for path in changed if "uid" in path or "clusterIP" in path], changed
        with Caller(namespace) as caller:
            result = project.up()
        changes = {
            str(getattr(op, "value", op)): n for op, n in (result.summary.resource_changes or {}).items()
        }
        assert changes.get("import") == 5, result.stdout
        assert not set(changes) & {"replace", "delete", "create-replacement"}, changes
        assert caller.failures == [], f"{len(caller.failures)} of {caller.calls} calls failed"
        assert caller.calls > 20
        assert identities(namespace) == before
        protected = kubectl("get", "deployment", "protectedapi", "-n", namespace)
        assert protected["spec"]["template"]["metadata"]["labels"]["uid"] == "482913377"  # not fought
        env = kubectl("get", "deployment", "plainapi", "-n", namespace)["spec"]["template"]["spec"][
            "containers"
        ][0]
        assert env["env"] == [{"name": "mode", "value": "pulumi"}]
        assert set(project.up().summary.resource_changes or {}) == {"same"}
        assert_no_secret_anywhere(project)
    finally:
        project.destroy()
        project.stack.workspace.remove_stack(project.stack.name)


def test_faas_cli_deploy_after_adoption_shows_in_preview_refresh_and_up_restores_it(
    tmp_path: Path, faas_cli_namespace: str
) -> None:
    namespace = faas_cli_namespace
    project = adopting_project(tmp_path, namespace)
    try:
        project.up()
        faas_cli_deploy_again(namespace, "plainapi", {"mode": "faas-cli", "debug": "1"}, uid=99)
        drift = planned_changes(project, refresh=True)
        updates = {urn.rsplit("::", 1)[1]: paths for urn, (op, paths) in drift.items() if op == "update"}
        assert updates[f"{namespace}/plainapi#update"] == {
            'metadata.annotations["pulumi.com/patchForce"]',
            'metadata.annotations["pulumi.com/skipAwait"]',
            "spec.template.spec.containers[0].env[0].name",
            "spec.template.spec.containers[0].env[0].value",
        }, drift
        project.stack.up(refresh=True, color="never")
        plain = kubectl("get", "deployment", "plainapi", "-n", namespace)["spec"]["template"]
        assert plain["spec"]["containers"][0]["env"] == [{"name": "mode", "value": "pulumi"}]
        assert plain["metadata"]["labels"] == {"faas_function": "plainapi", "uid": "99"}
        assert set(project.stack.preview(refresh=True).change_summary) == {"same"}
    finally:
        project.destroy()
        project.stack.workspace.remove_stack(project.stack.name)


def test_adopting_a_deployment_faas_cli_did_not_make_stops_before_anything_is_applied(
    tmp_path: Path,
) -> None:
    namespace = unique_namespace("adopt-bad")
    apply_objects({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    other = faas_netes_deployment("plainapi", namespace, IMAGE, image_pull_policy="Never")
    other["spec"]["selector"] = {"matchLabels": {"app": "plainapi"}}
    other["spec"]["template"]["metadata"]["labels"] = {"app": "plainapi"}
    create_as_faas_netes(other)
    project = adopting_project(tmp_path, namespace)
    project.set("adoptFunctions", ["plainapi"])
    project.stack.remove_config("adoptSecrets")
    try:
        with pytest.raises(Exception) as caught:
            project.preview()
        message = str(caught.value)
        assert (
            f"function 'plainapi': config 'adoptFunctions' would adopt the Deployment {namespace}/plainapi, "
            'which is not a function faas-cli deployed: its selector is {"matchLabels": {"app": "plainapi"}}'
        ) in message, message
        assert f"`kubectl delete deployment -n {namespace} plainapi`" in message
        assert "Traceback" not in message
        assert kubectl("get", "deployment", "plainapi", "-n", namespace)["spec"]["selector"] == {
            "matchLabels": {"app": "plainapi"}
        }
    finally:
        project.stack.workspace.remove_stack(project.stack.name)
        delete_namespace(namespace)
