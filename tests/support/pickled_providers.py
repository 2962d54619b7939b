"""Dynamic providers as `pulumi.dynamic` serialized them into existing stacks' state (the
`__provider` input), each with the class it must load as today."""

from __future__ import annotations

from components.check.resource import InvokeCheckProvider
from components.rollout_checksum import _ChecksumKeyProvider

RECORDED: dict[str, tuple[str, type]] = {
    "components.invoke_check.InvokeCheckProvider": (
        "gASVNgAAAAAAAACMF2NvbXBvbmVudHMuaW52b2tlX2NoZWNrlIwTSW52b2tlQ2hlY2tQcm92aWRlcpSTlCmBlC4=",
        InvokeCheckProvider,
    ),
    "components.rollout_checksum._ChecksumKeyProvider": (
        "gASVOwAAAAAAAACMG2NvbXBvbmVudHMucm9sbG91dF9jaGVja3N1bZSMFF9DaGVja3N1bUtleVByb3ZpZGVylJOUKYGULg==",
        _ChecksumKeyProvider,
    ),
    "components.checksum._ChecksumKeyProvider": (
        "gASVMwAAAAAAAACME2NvbXBvbmVudHMuY2hlY2tzdW2UjBRfQ2hlY2tzdW1LZXlQcm92aWRlcpSTlCmBlC4=",
        _ChecksumKeyProvider,
    ),
}
