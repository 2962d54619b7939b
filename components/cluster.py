"""Is the Kubernetes API server reachable? Checked before anything is declared.

The Kubernetes provider previews an unreachable cluster as if it were empty and only fails on
`up`; a reviewer would then approve a preview that means nothing. This module finds the API
server the provider will use (the `kubernetes:kubeconfig` config, else `$KUBECONFIG`, else
`~/.kube/config`; `kubernetes:context`, else the current context) and opens a TCP connection to it.
"""

from __future__ import annotations

import os
import socket
import urllib.parse
from collections.abc import Mapping
from pathlib import Path

import yaml


class ClusterUnreachable(ConnectionError):
    """The API server named by the kubeconfig does not accept connections."""


def api_server(kubeconfig: str | None, context: str | None, env: Mapping[str, str]) -> tuple[str, str] | None:
    """(server URL, where it came from), or None when no kubeconfig can be found or read."""
    if kubeconfig and kubeconfig.lstrip().startswith(("apiVersion", "{", "clusters", "kind")):
        text, source = kubeconfig, "the kubernetes:kubeconfig config"
    else:
        path = Path(
            kubeconfig or env.get("KUBECONFIG", "").split(os.pathsep)[0] or Path.home() / ".kube/config"
        )
        try:
            text, source = path.read_text(), str(path)
        except OSError:
            return None
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    if not isinstance(config, dict):
        return None
    name = context or config.get("current-context")
    contexts = {
        c.get("name"): c.get("context", {}) for c in config.get("contexts") or [] if isinstance(c, dict)
    }
    clusters = {
        c.get("name"): c.get("cluster", {}) for c in config.get("clusters") or [] if isinstance(c, dict)
    }
    cluster = clusters.get(contexts.get(name, {}).get("cluster"))
    if not isinstance(cluster, dict) or not cluster.get("server"):
        return None
    return str(cluster["server"]), source


def require_reachable(server: str, source: str, timeout: float = 3.0) -> None:
    """Raise `ClusterUnreachable` with the server, its source and the fix, if it cannot be reached."""
    url = urllib.parse.urlsplit(server)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "", port), timeout=timeout):
            return
    except OSError as error:
        reason = error.strerror or str(error)
    raise ClusterUnreachable(
        f"cannot reach the Kubernetes API server {server} (from {source}): {reason.lower()}: "
        "start the cluster, or point `pulumi config set kubernetes:kubeconfig <path>` "
        "(and `kubernetes:context`) at one that runs"
    )
