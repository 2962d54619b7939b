"""Comparing `kubernetesWorkload: function-crd` with `faas-cli generate --api=openfaas.com/v1`:
faas-cli's side (`generated`), the form both sides are compared in (`normal`, `on_purpose`,
`kube_names`) and the corpus files the plan refuses (`REFUSED`). Shared by the differential test
under mocks and the engine test on the API server; `tests/differential/test_function_crd.py` says
what the program adds on purpose, and why.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.support import faas_cli

CHECKSUM = "openfaas-stack/secrets-checksum"
_LEGACY_PROVIDER = re.compile(r"^(\s+name:\s*)faas\s*$", re.M)

# Corpus files the plan refuses before anything is applied, with the start of the reason.
REFUSED = {
    "openfaas__workshop__issue-bot-secrets_stack.yml": (
        "function 'issue-bot': image '<your-username>/issue-bot' is not a valid image reference"
    ),
}


def generated(
    binary: Path, folder: Path, text: str, namespace: str = "openfaas-fn"
) -> dict[str, dict[str, Any]]:
    """`faas-cli generate --api=openfaas.com/v1 --namespace <namespace>` on `text`, by function name."""
    (folder / "faas-cli.yml").write_text(_LEGACY_PROVIDER.sub(r"\1openfaas", text), encoding="utf-8")
    out = subprocess.run(
        [str(binary), "generate", "--api=openfaas.com/v1", f"--namespace={namespace}", "-f", "faas-cli.yml"],
        cwd=folder, env={"HOME": str(folder), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
        timeout=faas_cli.TIMEOUT, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    docs = [d for d in yaml.load_all(out.stdout, Loader=yaml.BaseLoader) if d]
    return {d["metadata"]["name"]: normal(d) for d in docs}


def normal(resource: Mapping[str, Any]) -> dict[str, Any]:
    """metadata + spec, with values a deployment treats as absent left out."""
    spec = dict(resource["spec"])
    for kind in ("limits", "requests"):
        quantities = {k: v for k, v in dict(spec.get(kind) or {}).items() if v}
        spec[kind] = quantities or None
    for key in ("environment", "labels", "annotations", "constraints", "secrets"):
        spec[key] = spec.get(key) or None
    spec["readOnlyRootFilesystem"] = spec.get("readOnlyRootFilesystem") in (True, "true")
    metadata = {k: resource["metadata"].get(k) for k in ("name", "namespace")}
    return {"metadata": metadata, "spec": {k: v for k, v in spec.items() if v not in (None, False)}}


def on_purpose(resource: dict[str, Any]) -> dict[str, Any]:
    """`resource` without what the program adds on purpose (`tests/differential/test_function_crd.py`
    says what and why)."""
    spec = dict(resource["spec"])
    annotations = {k: v for k, v in dict(spec.get("annotations") or {}).items() if k != CHECKSUM}
    spec.pop("annotations", None)
    if annotations:
        spec["annotations"] = annotations
    spec.pop("handler", None)
    return {"metadata": resource["metadata"], "spec": spec}


def kube_names(resource: dict[str, Any]) -> dict[str, Any]:
    """faas-cli's resource with its secret names as the Kubernetes object names we use."""
    spec = dict(resource["spec"])
    if "secrets" in spec:
        spec["secrets"] = [name.lower().replace("_", "-") for name in spec["secrets"]]
    return {"metadata": resource["metadata"], "spec": spec}
