"""Dynamic providers recorded in existing stacks' state still load: Pulumi pickles a provider by
reference to its module, and the engine unpickles it (with dill, as `pulumi.dynamic.__main__` does)
on every refresh, update and delete, so each module path a state may name must resolve forever.

Each recording is the `__provider` input as `pulumi.dynamic` serialized it for the layout a user
ran: `components.invoke_check` and `components.rollout_checksum` until the stage packages (commit
54dbec0), `components.checksum` before the checksum module's rename.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import dill
import pytest

from components.package.provider import SERVED
from tests.support.pickled_providers import RECORDED

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("path", sorted(RECORDED))
def test_a_provider_recorded_in_state_unpickles_to_todays_class(path: str) -> None:
    recorded, cls = RECORDED[path]
    pickled = base64.b64decode(recorded)
    assert path.rpartition(".")[0].encode() in pickled  # the recording names the old path
    assert type(dill.loads(pickled)) is cls


# Today's providers' modules, and those older states name.
PROVIDER_MODULES = sorted(
    {provider.__module__ for provider in SERVED.values()} | {path.rpartition(".")[0] for path in RECORDED}
)


@pytest.mark.parametrize("module", PROVIDER_MODULES)
def test_a_providers_module_loads_without_the_provider_sdks(module: str) -> None:
    # The dynamic provider's process imports it on every preview and up, before its first answer.
    sdks = "{'pulumi_kubernetes', 'pulumi_docker', 'kubernetes'}"
    code = f"import sys, {module}; print(sorted({sdks} & set(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
