"""`kubernetesWorkload: function-crd` gives, for every corpus file, the `Function` resources that
`faas-cli generate --api=openfaas.com/v1` prints (issue 11, item 4).

The program runs under Pulumi's mocks (`tests/support/mocks.py`) with every secret it needs
configured; faas-cli runs on the same file. Each function's `metadata` (name, namespace) and `spec`
(name, image, environment, secrets, labels, annotations, limits, requests, constraints,
readOnlyRootFilesystem) must be equal, except for what the program adds on purpose, taken off by
`on_purpose` (`tests/support/function_crd.py`) and nothing else:

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

from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.stackfile import StackFileError, load_stack
from tests.support.corpus import CORPUS
from tests.support.function_crd import REFUSED, generated, kube_names, normal, on_purpose
from tests.support.mocks import run_program

pytestmark = pytest.mark.differential

FUNCTION = "kubernetes:openfaas.com/v1:Function"
FILES = sorted(p.name for p in CORPUS.glob("*"))


def loadable(name: str) -> bool:
    try:
        load_stack(CORPUS / name, env={})
    except StackFileError:
        return False
    return True


LOADABLE = [name for name in FILES if loadable(name)]


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
