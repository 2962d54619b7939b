"""The local Kubernetes node (`make kube`) as the engine tests see it: kubectl, and calling a
function through the API server's service proxy with plain urllib (independent of the program's
own client, so the tests do not check the program with itself)."""

from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.engine.harness import ROOT, EngineProject, new_project, require_toolchain

KUBECONFIG = ROOT / ".toolchain" / "kubeconfig"
CACHE = Path(os.environ.get("OPENFAAS_STACK_CACHE", Path.home() / ".cache/openfaas-stack"))
SAMPLE_IMAGE = "functions/api-key-protected:latest"


def kubectl(*args: str, output: str = "json", stdin: str | None = None) -> Any:
    command = [str(CACHE / "kube/bin/kubectl"), f"--kubeconfig={KUBECONFIG}", *args]
    if output:
        command += ["-o", output]
    out = subprocess.run(command, check=True, capture_output=True, text=True, input=stdin).stdout
    return json.loads(out) if output == "json" else out


def apply_objects(*objects: Mapping[str, object]) -> None:
    """`kubectl apply` of `objects` as one List, as a user or another tool would make them."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=KUBECONFIG.parent) as file:
        json.dump({"apiVersion": "v1", "kind": "List", "items": list(objects)}, file)
        file.flush()
        kubectl("apply", "-f", file.name, output="name")


def require_node() -> None:
    """Fail (never skip) when the node is not up: `make test` starts it first."""
    require_toolchain()
    if not KUBECONFIG.exists():
        raise RuntimeError(f"{KUBECONFIG} is missing: run `make kube`")
    nodes = kubectl("get", "nodes")["items"]
    ready = [
        n["metadata"]["name"]
        for n in nodes
        if any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"]["conditions"])
    ]
    if not ready:
        raise RuntimeError("the local cluster has no Ready node: run `make kube`")


def kube_project(tmp: Path, namespace: str, *, check: bool = True) -> EngineProject:
    """The example stack on the local node, in its own namespace, with the example's check."""
    tmp.mkdir(parents=True, exist_ok=True)
    require_node()
    project = new_project(tmp, "kube")
    project.set("target", "kubernetes")
    project.set("namespace", namespace)
    project.set("createNamespaces", True)
    project.set("imagePullPolicy", "Never")  # loaded into the node by `make kube-images`
    project.set("kubernetesReadyTimeout", "60s")
    project.set("kubernetes:kubeconfig", str(KUBECONFIG))
    if check:
        project.set(
            "checks",
            {
                "protectedapi": {
                    "headers": {"X-Api-Key": {"secret": "secret_api_key"}},
                    "expectStatus": 200,
                    "expectBody": "Unlocked the function!",
                    "refusedWithoutSecret": True,
                    "timeoutSeconds": 60,
                }
            },
        )
    else:
        project.set("checks", {"protectedapi": {"enabled": False}})
    return project


def unique_namespace(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def _credentials() -> tuple[str, str, ssl.SSLContext]:
    config = yaml.safe_load(KUBECONFIG.read_text())
    cluster = config["clusters"][0]["cluster"]
    token = config["users"][0]["user"]["token"]
    with tempfile.NamedTemporaryFile("wb", suffix=".crt", delete=False) as ca:
        ca.write(base64.b64decode(cluster["certificate-authority-data"]))
    context = ssl.create_default_context(cafile=ca.name)
    os.unlink(ca.name)
    return cluster["server"], token, context


def call_function(
    namespace: str, name: str, headers: Mapping[str, str] | None = None, body: bytes = b"", path: str = ""
) -> tuple[int, str]:
    """POST to the function's Service (at `path`) through the API server's service proxy: (status, body)."""
    server, token, context = _credentials()
    url = f"{server}/api/v1/namespaces/{namespace}/services/{name}:8080/proxy/{path}"
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Authorization": f"Bearer {token}", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for_answer(
    namespace: str, name: str, headers: Mapping[str, str], expected: str, seconds: float = 60
) -> str:
    """Call until the body contains `expected` (a roll takes a moment); returns the last body."""
    deadline = time.monotonic() + seconds
    body = ""
    while time.monotonic() < deadline:
        _, body = call_function(namespace, name, headers)
        if expected in body:
            return body
        time.sleep(1)
    return body


def pods(namespace: str, function: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = kubectl("get", "pods", "-n", namespace, "-l", f"faas_function={function}")[
        "items"
    ]
    return items


def delete_namespace(namespace: str) -> None:
    subprocess.run(
        [str(CACHE / "kube/bin/kubectl"), f"--kubeconfig={KUBECONFIG}", "delete", "namespace", namespace,
         "--wait=false", "--ignore-not-found"],
        check=False,
        capture_output=True,
    )  # fmt: skip
