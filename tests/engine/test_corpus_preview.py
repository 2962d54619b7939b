"""Every real-world stack file the loader accepts goes through `pulumi preview` on the real engine
against the local API server: it previews cleanly, or stops with a clear error before anything is
applied (never a traceback)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi import automation as auto

from components.stackfile import load_stack
from tests.engine.harness import EngineProject, add_corpus, new_project, require_toolchain
from tests.engine.kube_support import KUBECONFIG
from tests.support.corpus import CORPUS, REJECTED

pytestmark = pytest.mark.engine
LOADABLE = sorted(p.name for p in CORPUS.glob("*") if p.name not in REJECTED)
# File -> what the program must say instead of previewing (Kubernetes target).
REFUSED = {
    "openfaas__workshop__issue-bot-secrets_stack.yml": (
        "image '<your-username>/issue-bot' is not a valid image reference"
    ),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineProject]:
    require_toolchain()
    created = new_project(tmp_path_factory.mktemp("corpus"), "corpus")
    add_corpus(created, LOADABLE)
    created.set("target", "kubernetes")
    created.set("kubernetes:kubeconfig", str(KUBECONFIG))
    created.set("skipAwait", True)
    yield created
    created.stack.workspace.remove_stack(created.stack.name)


@pytest.mark.parametrize("name", LOADABLE)
def test_corpus_file_previews_or_stops_with_a_clear_error(project: EngineProject, name: str) -> None:
    project.set("stackFile", f"corpus/{name}")
    stack = load_stack(CORPUS / name, env={})
    project.set("checks", {fn: {"enabled": False} for fn in stack.functions})
    if name in REFUSED:
        with pytest.raises(auto.CommandError) as caught:
            project.preview()
        message = str(caught.value)
        assert REFUSED[name] in message
        assert "Traceback" not in message
        return
    preview = project.preview()
    creates = preview.change_summary.get(auto.OpType.CREATE, 0) if preview.change_summary else 0
    assert creates >= 2 * len(stack.functions), preview.stdout
    assert not re.search(r"error:", preview.stderr), preview.stderr
    project.stack.remove_config("checks")


def test_no_corpus_secret_value_reaches_the_preview_output(project: EngineProject) -> None:
    leaked = [text for text in project.outputs if "corpus-value-" in text]
    assert leaked == []
    assert project.files_containing("corpus-value-") == []
    assert Path(project.workdir).exists()
