"""Dynamic providers recorded in existing stacks' state still load: Pulumi pickles a provider by
reference to its module, and the engine unpickles it (with dill, as `pulumi.dynamic.__main__` does)
on every refresh, update and delete, so each module path a state may name must resolve forever.

Each recording is the `__provider` input as `pulumi.dynamic` serialized it for the layout a user
ran: `components.invoke_check` and `components.rollout_checksum` until the stage packages (commit
54dbec0), `components.checksum` before the checksum module's rename.
"""

from __future__ import annotations

import base64

import dill
import pytest

from tests.support.pickled_providers import RECORDED


@pytest.mark.parametrize("path", sorted(RECORDED))
def test_a_provider_recorded_in_state_unpickles_to_todays_class(path: str) -> None:
    recorded, cls = RECORDED[path]
    pickled = base64.b64decode(recorded)
    assert path.rpartition(".")[0].encode() in pickled  # the recording names the old path
    assert type(dill.loads(pickled)) is cls
