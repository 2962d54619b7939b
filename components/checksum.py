"""Compatibility only: the code is in `components/rollout_checksum.py`.

A dynamic provider is pickled by reference to its module, and the state of stacks created before
the rename names `components.checksum._ChecksumKeyProvider`; the engine unpickles it on refresh,
update and delete, so this module path must keep resolving. Do not import it in new code.
"""

from components.rollout_checksum import ChecksumKey, _ChecksumKeyProvider

__all__ = ["ChecksumKey", "_ChecksumKeyProvider"]
