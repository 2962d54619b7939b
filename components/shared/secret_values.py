"""The secret values a stack deploys, as secret Outputs: `SecretValues`.

A secret is text, binary or several files, as `kubectl create secret generic <name> --from-file a
--from-file b` makes them; each file's content travels base64-encoded and secret.
"""

from __future__ import annotations

import base64
from collections.abc import Collection, Mapping

import pulumi


class SecretValues:
    """Each OpenFaaS secret's files, as secret Outputs of their base64-encoded content.

    `plain` (secret name -> its files' content) is kept only so that `texts` can compare values
    with plain-text settings before anything is registered.
    """

    def __init__(
        self,
        files: Mapping[str, Mapping[str, pulumi.Output[str]]],
        plain: Mapping[str, Mapping[str, bytes]] | None = None,
    ) -> None:
        self._files = files
        self._plain = dict(plain or {})

    def texts(self) -> dict[str, str]:
        """Each secret's text as `text` gives it, and each file of a several-file secret as
        `<secret>.files.<file>`: for comparisons only, never to be shown or registered."""
        texts: dict[str, str] = {}
        for name, files in self._plain.items():
            if not files:
                continue
            texts[name] = files[text_file(name, files)].decode("utf-8", "replace")
            if set(files) != {name}:
                for file, data in files.items():
                    texts[f"{name}.files.{file}"] = data.decode("utf-8", "replace")
        return texts

    def files(self, name: str) -> Mapping[str, pulumi.Output[str]]:
        """File name -> base64 content of secret `name`."""
        return self._files[name]

    def text(self, name: str) -> pulumi.Output[str]:
        """The secret as text, for a check header: its file of the same name, else its first file."""
        files = self._files[name]
        return _decoded(files[text_file(name, files)])

    def file_texts(self, name: str) -> list[pulumi.Output[str]]:
        """Every file of secret `name` as text, e.g. to redact from what a function logs."""
        return [_decoded(content) for _, content in sorted(self._files[name].items())]


def _decoded(content: pulumi.Output[str]) -> pulumi.Output[str]:
    return content.apply(lambda encoded: base64.b64decode(encoded).decode("utf-8", "replace"))


def text_file(name: str, files: Collection[str]) -> str:
    """The file that is secret `name`'s text (a check header): the one named as the secret, else
    the first by name."""
    return name if name in files else sorted(files)[0]


def secret_values(files: Mapping[str, Mapping[str, bytes]]) -> SecretValues:
    """`SecretValues` of plain file contents (secret name -> file -> bytes), each made a secret Output."""
    return SecretValues(
        {
            name: {
                file: pulumi.Output.secret(base64.b64encode(content).decode())
                for file, content in named.items()
            }
            for name, named in files.items()
        },
        files,
    )
