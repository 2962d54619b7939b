"""Which kubeconfig reaches the cluster, and whether `kubernetes:kubeconfig` is a path or content.

Shared by the Kubernetes target (its provider and reachability guard), the settings (the checks'
route) and the checks (the API server's service proxy).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def is_inline_kubeconfig(kubeconfig: str | None) -> bool:
    """True when `kubernetes:kubeconfig` holds the kubeconfig's content rather than a path to it.

    Content when it spans lines or starts with `{`; else, as pulumi-kubernetes decides, a path
    when a file is there (`~` expanded), and content when it reads as a YAML mapping (one line:
    `--- {...}`, say). When unsure it is content: content is kept secret, a path is shown.
    """
    if not kubeconfig:
        return False
    text = str(kubeconfig)
    if "\n" in text or "\r" in text or text.lstrip().startswith("{"):
        return True
    try:
        if Path(text).expanduser().exists():
            return False
    except (OSError, ValueError, RuntimeError):  # a NUL, a name too long, an unknown ~user
        pass
    try:
        # composed, not constructed: linear however many aliases and merge keys it holds
        return isinstance(yaml.compose(text, Loader=YAML_LOADER), yaml.MappingNode)
    except (yaml.YAMLError, RecursionError, ValueError):
        return False


@dataclass(frozen=True)
class ClusterAccess:
    """Which kubeconfig and context reach the cluster; empty means the defaults.

    `kubeconfig` is a file path ("" = `$KUBECONFIG`, else `~/.kube/config`); `context` a context
    name ("" = the kubeconfig's current context). `secret`: either was set as secret config, so
    the check passes both as secrets.
    """

    kubeconfig: str = ""
    context: str = ""
    secret: bool = False
