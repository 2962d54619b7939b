"""`kubernetesWorkload: function-crd` gives, for every corpus file, the `Function` resources that
`faas-cli generate --api=openfaas.com/v1` prints (issue 11, item 4).

The program runs under Pulumi's mocks (`tests/mocks.py`) with every secret it needs configured;
faas-cli runs on the same file. Each function's `metadata` (name, namespace) and `spec` (name,
image, environment, secrets, labels, annotations, limits, requests, constraints,
readOnlyRootFilesystem) must be equal, except for what the program adds on purpose, applied below
by `on_purpose` and nothing else:

- the `openfaas-stack/secrets-checksum` annotation, on functions with secrets: it changes when a
  secret's value does, so the operator rolls the pods (faas-cli cannot know the values);
- `handler`, set to the function's `fprocess` when there is one: faas-cli's Function has no such
  field, so the operator would not know it; ours keeps what `faas-cli deploy` sends;
- secret names as Kubernetes object names (`JIRA-URL` -> `jira-url`, `a_b` -> `a-b`): faas-cli
  prints the OpenFaaS name, which no Kubernetes Secret can have; the file inside the pod keeps the
  OpenFaaS name.

Where faas-cli refuses a corpus file only for its legacy `provider.name: faas` (which we accept,
README "Where we differ from faas-cli"), it runs on the file with `openfaas` there instead.
Empty values that both sides leave out of a deployment (`limits: {cpu: ""}`, `constraints: []`,
`readOnlyRootFilesystem: false`) are compared as absent.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from components.stackfile import StackFileError, load_stack
from tests.differential import faas_cli
from tests.mocks import run_program
from tests.test_corpus import CORPUS

pytestmark = pytest.mark.differential

FUNCTION = "kubernetes:openfaas.com/v1:Function"
CHECKSUM = "openfaas-stack/secrets-checksum"
FILES = sorted(p.name for p in CORPUS.glob("*"))
_LEGACY_PROVIDER = re.compile(r"^(\s+name:\s*)faas\s*$", re.M)


def loadable(name: str) -> bool:
    try:
        load_stack(CORPUS / name, env={})
    except StackFileError:
        return False
    return True


LOADABLE = [name for name in FILES if loadable(name)]
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


def ours(folder: Path, text: str, secrets: set[str]) -> dict[str, dict[str, Any]]:
    """The `Function` resources the program registers for `text`, by function name."""
    (folder / "stack.yaml").write_text(text, encoding="utf-8")
    values = {name: f"value-of-{name}-0123456789" for name in secrets}
    config = {
        "target": "kubernetes",
        "kubernetesWorkload": "function-crd",
        "gateway": "http://gateway.openfaas:8080",  # some corpus files say http://${GATEWAY_IP}:8080
    }
    mocks = run_program(folder, config=config, secrets=values)
    found = {}
    for registered in mocks.of_type(FUNCTION).values():
        resource = registered.plain()
        found[resource["metadata"]["name"]] = on_purpose(normal(resource))
    return found


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
    """`resource` without what the program adds on purpose (the module docstring says why)."""
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


@pytest.mark.parametrize("name", LOADABLE)
def test_function_crd_mode_equals_faas_cli_generate(name: str, faas_cli_binary: Path, tmp_path: Path) -> None:
    text = (CORPUS / name).read_text(encoding="utf-8")
    stack = load_stack(CORPUS / name, env={})
    secrets = {s for fn in stack.functions.values() for s in fn.secrets}
    if name in REFUSED:  # a placeholder faas-cli would send on; the plan stops it at preview
        with pytest.raises(pulumi.RunError) as refused:
            ours(tmp_path, text, secrets)
        assert REFUSED[name] in str(refused.value)
        return
    mine = ours(tmp_path, text, secrets)
    theirs = {n: kube_names(r) for n, r in generated(faas_cli_binary, tmp_path, text).items()}
    assert mine == theirs


def test_every_loadable_corpus_file_is_compared() -> None:
    assert len(LOADABLE) >= 19
