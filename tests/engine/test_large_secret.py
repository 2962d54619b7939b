"""A secret too large for Pulumi config (the system CA bundle) deployed from a file, on the node.

Pulumi hands a program its whole config in one environment variable, which Linux caps at 128 KiB,
so a CA bundle cannot be a config value; `secrets.<name>.fromFile` names the file instead. The
function's invoke check asks the running pod for the SHA-256 of its mounted file
(`GET /_/sha256/<secret>` of the sample), so the bundle is shown to arrive byte for byte without
crossing the wire.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.engine.kube_support import call_function, delete_namespace, kube_project, unique_namespace
from tests.support.mocks import DEMO_SECRET

pytestmark = pytest.mark.engine
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
STACK = """\
provider:
  name: openfaas
functions:
  protectedapi:
    image: functions/api-key-protected:latest
    secrets:
      - secret_api_key
      - ca-bundle
"""


def test_the_system_ca_bundle_deploys_from_a_file_and_the_pod_holds_it_byte_for_byte(
    tmp_path: Path,
) -> None:
    bundle = CA_BUNDLE.read_bytes()
    assert len(bundle) > 128 * 1024, "the point is a secret over the environment cap"
    digest = hashlib.sha256(bundle).hexdigest()
    namespace = unique_namespace("ca")
    project = kube_project(tmp_path / "project", namespace, check=False)
    (project.workdir / "stack.yaml").write_text(STACK)
    project.set_secret("secret_api_key", DEMO_SECRET)
    project.set_secret("ca-bundle.fromFile", str(CA_BUNDLE))
    project.set(
        "checks",
        {"protectedapi": {"enabled": True, "path": "/_/sha256/ca-bundle", "expectBody": digest}},
    )
    try:
        project.up()
        assert call_function(namespace, "protectedapi") == (200, "Access denied!\n")
        assert "protectedapi: HTTP 200 after" in "\n".join(project.outputs)
        [secret] = [
            r
            for r in json.loads(project.exported_state())["deployment"]["resources"]
            if r["type"] == "kubernetes:core/v1:Secret" and r["outputs"]["metadata"]["name"] == "ca-bundle"
        ]
        assert set(secret["outputs"]["data"]) >= {"ciphertext"}  # kept encrypted in state
        middle = bundle[len(bundle) // 2 : len(bundle) // 2 + 48].decode()
        assert project.files_containing(middle) == []
    finally:
        project.destroy()
        project.stack.workspace.remove_stack(project.stack.name)
        delete_namespace(namespace)
