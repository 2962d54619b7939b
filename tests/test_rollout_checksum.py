"""The checksum key's dynamic provider: pickled by reference, and found at its old module path."""

from __future__ import annotations

import base64
import pickle

from pulumi.dynamic.dynamic import serialize_provider

from components.rollout_checksum import _ChecksumKeyProvider


def test_the_key_provider_is_pickled_by_reference_to_its_module() -> None:
    pickled = base64.b64decode(serialize_provider(_ChecksumKeyProvider()))
    assert b"components.rollout_checksum" in pickled and b"_ChecksumKeyProvider" in pickled


def test_state_written_before_the_rename_still_unpickles() -> None:
    """Such state names `components.checksum._ChecksumKeyProvider` (GLOBAL, then NEWOBJ)."""
    old = b"ccomponents.checksum\n_ChecksumKeyProvider\n)\x81."
    assert isinstance(pickle.loads(old), _ChecksumKeyProvider)
