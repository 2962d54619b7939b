"""The rollout checksum: keyed checksums of secret values, so a change rolls the pods without
revealing the value.

A bare hash of a low-entropy secret can be reversed by guessing; an HMAC under a random key kept
(encrypted) in the stack's state cannot. The key is made once per stack by `ChecksumKey`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi.dynamic

from components.shared.secret_values import SecretValues
from components.shared.served import ServedResource


def keyed_digest(key: str, values: Mapping[str, str]) -> str:
    """HMAC-SHA256 over the name/value pairs, in name order, as hex."""
    mac = hmac.new(key.encode(), digestmod=hashlib.sha256)
    for name in sorted(values):
        for part in (name, values[name]):
            data = part.encode()
            mac.update(len(data).to_bytes(8, "big") + data)
    return mac.hexdigest()


class _ChecksumKeyProvider(pulumi.dynamic.ResourceProvider):
    def create(self, props: Any) -> pulumi.dynamic.CreateResult:
        import secrets

        return pulumi.dynamic.CreateResult(id_="checksum-key", outs={"key": secrets.token_hex(32)})

    def diff(self, _id: str, _olds: Any, _news: Any) -> pulumi.dynamic.DiffResult:
        return pulumi.dynamic.DiffResult(changes=False)


class ChecksumKey(ServedResource):
    """A random HMAC key, created once and kept as a secret in the stack's state."""

    key: pulumi.Output[str]

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(
            _ChecksumKeyProvider(),
            name,
            {"key": None},
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["key"])),
        )


def secret_checksum(key: pulumi.Input[str], values: SecretValues, names: Sequence[str]) -> pulumi.Output[str]:
    """The keyed digest of every file of the secrets `names`, as a plain Output: it reveals nothing."""
    contents = {f"{name}/{file}": content for name in names for file, content in values.files(name).items()}
    labels = sorted(contents)
    digest = pulumi.Output.all(key, *(contents[label] for label in labels)).apply(
        lambda parts: keyed_digest(parts[0], dict(zip(labels, parts[1:], strict=True)))
    )
    return pulumi.Output.unsecret(digest)
