"""Nothing taken over silently (issue 22, item 3), on the real API server of the local node.

Objects made with `kubectl` under the names the stack would create stop the preview, each named
with its manager and the fix, and are left as they were; the program's own objects (made by the
provider, whose field manager is `pulumi-kubernetes...`) pass, so a second `up` is not stopped.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from pulumi import automation as auto

from tests.engine.kube_support import apply_objects, delete_namespace, kube_project, kubectl, unique_namespace
from tests.support.manifests import bare_deployment
from tests.support.mocks import DEMO_SECRET

pytestmark = pytest.mark.engine


def test_an_existing_secret_and_deployment_stop_the_preview_and_are_left_untouched(tmp_path: Path) -> None:
    namespace = unique_namespace("own")
    other = base64.b64encode(b"a-team's-own-value").decode()
    apply_objects(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "secret-api-key", "namespace": namespace},
            "data": {"secret_api_key": other},
        },
        bare_deployment("protectedapi", namespace, {"team": "a"}),
    )
    before = kubectl("get", "deployment", "protectedapi", "-n", namespace)
    project = kube_project(tmp_path / "project", namespace)
    project.set("createNamespaces", False)
    project.set_secret("secret_api_key", DEMO_SECRET)
    try:
        with pytest.raises(auto.CommandError) as caught:
            project.preview()
        message = str(caught.value)
        assert (
            f"secret 'secret_api_key' would take over the existing Secret {namespace}/secret-api-key, which "
            "this stack did not make (managed by kubectl-client-side-apply)"
        ) in message
        assert "adopt it with `pulumi config set --path 'adoptSecrets[0]' secret_api_key`" in message
        assert (
            f"function 'protectedapi' would take over the existing Deployment {namespace}/protectedapi"
        ) in message
        assert "Traceback" not in message
        secret = kubectl("get", "secret", "secret-api-key", "-n", namespace)
        assert secret["data"] == {"secret_api_key": other}
        after = kubectl("get", "deployment", "protectedapi", "-n", namespace)
        assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    finally:
        project.stack.workspace.remove_stack(project.stack.name)
        delete_namespace(namespace)


def test_the_programs_own_objects_do_not_stop_a_second_up(tmp_path: Path) -> None:
    namespace = unique_namespace("own")
    project = kube_project(tmp_path / "project", namespace)
    project.set_secret("secret_api_key", DEMO_SECRET)
    try:
        project.up()
        managers = {
            m["manager"]
            for m in kubectl("get", "deployment", "protectedapi", "-n", namespace, "--show-managed-fields")[
                "metadata"
            ]["managedFields"]
        }
        assert any(m.startswith("pulumi-kubernetes") for m in managers), managers
        assert set(project.up().summary.resource_changes or {}) == {"same"}
    finally:
        project.destroy()
        project.stack.workspace.remove_stack(project.stack.name)
        delete_namespace(namespace)
