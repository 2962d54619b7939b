"""The Python program's Pulumi stack config, read in one place: only `__main__.py` imports this module.

`read_args` gives each `OpenFaaSStackArgs` input the value of the config key of the same name, as
it is (`components.inputs` checks them, for every language alike), and says which were set as
secrets. `kubeconfig` and `kubeContext` come from the Kubernetes provider's `kubernetes:` config,
`dockerHost` from the Docker provider's `docker:host`.
"""

from __future__ import annotations

import json
import typing
from typing import Any

import pulumi

from components.stack_args import INPUT_NAMES, OpenFaaSStackArgs

# Where each input is read when it is not in the project's own config namespace.
PROVIDER_KEYS = {
    "kubeconfig": ("kubernetes", "kubeconfig"),
    "kubeContext": ("kubernetes", "context"),
    "dockerHost": ("docker", "host"),
}
# Config keys whose value is JSON: every input that is not text (Pulumi.yaml declares them objects,
# lists or booleans).
JSON_KEYS = frozenset(
    key
    for key, name in INPUT_NAMES.items()
    if str not in typing.get_args(OpenFaaSStackArgs.__dataclass_fields__[name].type)
)


def read_args(project: pulumi.Config) -> tuple[OpenFaaSStackArgs, frozenset[str]]:
    """The component's inputs from the stack's config, and the names of those set as secrets."""
    values: dict[str, Any] = {}
    secret: set[str] = set()
    for key, name in INPUT_NAMES.items():
        namespace, config_key = PROVIDER_KEYS.get(key, (project.name, key))
        config = project if namespace == project.name else pulumi.Config(namespace)
        text = config.get(config_key)
        if text is None:
            continue
        values[name] = _value(key, text)
        if pulumi.runtime.is_config_secret(config.full_key(config_key)):
            secret.add(key)
    return OpenFaaSStackArgs(**values), frozenset(secret)


def _value(key: str, text: str) -> Any:
    """The config text as its JSON value where the key holds JSON; text that is not JSON is kept,
    for `components.inputs` to name what is wrong with it."""
    if key not in JSON_KEYS:
        return text
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text
