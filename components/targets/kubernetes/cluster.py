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
from collections.abc import Collection, Mapping
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.errors import InputError
from components.shared.files import FileProblem, read_limited
from components.shared.kubeconfig import YAML_LOADER, is_inline_kubeconfig
from components.shared.urls import without_userinfo

MAX_KUBECONFIG_BYTES = 16 << 20


# What a kubeconfig may expand to through aliases and merge keys; real ones are far below it.
MAX_KUBECONFIG_VALUES = 100_000


class ClusterUnreachable(InputError):
    """The API server named by the kubeconfig does not accept connections."""


class KubeconfigError(InputError):
    """The kubeconfig names an API server that is not a usable URL; the message says where."""


def api_server(
    kubeconfig: str | None, context: str | None, env: Mapping[str, str], *, secret_path: bool = False
) -> tuple[str, str] | None:
    """(server URL, where it came from) as kubectl finds it: `kubernetes:kubeconfig`, else every
    file of `$KUBECONFIG` merged (the first to set a value wins), else `~/.kube/config`. None only
    when no kubeconfig is set anywhere and `~/.kube/config` does not exist; a kubeconfig that is
    named but cannot be used is a `KubeconfigError` saying why (a path set as a secret,
    `secret_path`, is named by its config key only)."""
    if kubeconfig and is_inline_kubeconfig(kubeconfig):
        loaded = [_load(kubeconfig, "the kubernetes:kubeconfig config")]
        source = "the kubernetes:kubeconfig config"
    elif kubeconfig:
        source = (
            "the kubernetes:kubeconfig config (a secret path, not shown)"
            if secret_path
            else _shown(kubeconfig)
        )
        loaded = [_read(Path(kubeconfig), source, "config 'kubernetes:kubeconfig'", missing_ok=False)]
    elif env.get("KUBECONFIG", "").strip(os.pathsep):
        paths = [Path(part) for part in env["KUBECONFIG"].split(os.pathsep) if part]
        source = str(paths[0]) if len(paths) == 1 else f"$KUBECONFIG ({os.pathsep.join(map(str, paths))})"
        # kubectl skips a file of the list that does not exist; none at all is no kubeconfig
        loaded = [_read(path, str(path), "a file of $KUBECONFIG", missing_ok=True) for path in paths]
        if all(config is None for config in loaded):
            return None
    else:
        path = Path.home() / ".kube/config"
        source = str(path)
        loaded = [_read(path, source, "the default kubeconfig", missing_ok=True)]
        if loaded[0] is None:
            return None
    config = _merged([item for item in loaded if isinstance(item, dict)])
    contexts = _named(config.get("contexts"), "context")
    clusters = _named(config.get("clusters"), "cluster")
    known = ", ".join(sorted(contexts)) or "none"
    if context:
        if context not in contexts:
            raise KubeconfigError(
                f"config 'kubernetes:context' is {context!r}, which {source} does not define (its contexts: "
                f"{known}): run `pulumi config set kubernetes:context <name>` with one of them"
            )
        name = context
    else:
        name = str(config.get("current-context") or "")
        if name not in contexts:
            what = f"current-context {name!r} names no context" if name else "has no current-context"
            raise KubeconfigError(
                f"{source} {what} (its contexts: {known}): run `pulumi config set kubernetes:context "
                "<name>` with one of them, or `kubectl config use-context <name>`"
            )
    if not is_inline_kubeconfig(kubeconfig):  # an inline one is the provider's alone
        _refuse_unverified_oidc(name, contexts[name], _named(config.get("users"), "user"), source)
    cluster_name = str(contexts[name].get("cluster") or "")
    cluster = clusters.get(cluster_name)
    if not isinstance(cluster, dict) or not cluster.get("server"):
        raise KubeconfigError(
            f"context {name!r} of {source} names cluster {cluster_name!r}, which has no server there: "
            "fix the kubeconfig, or choose another context with `pulumi config set kubernetes:context <name>`"
        )
    return str(cluster["server"]), source


def _refuse_unverified_oidc(
    context: str, entry: Mapping[object, object], users: Mapping[str, Mapping[object, object]], source: str
) -> None:
    """The program's own clients (the checks, the readiness wait, the looks at the cluster) use the
    `kubernetes` Python client, whose legacy `auth-provider: oidc` refreshes an expired id-token by
    fetching the issuer's discovery document without verifying TLS when no
    `idp-certificate-authority(-data)` is given, then sends the refresh token and client secret to the
    token endpoint that document names (kubernetes `config/kube_config.py` `_refresh_oidc`;
    client-go verifies with the system's CAs). Such a user is refused before anything is sent."""
    user_name = str(entry.get("user") or "")
    provider = (users.get(user_name) or {}).get("auth-provider")
    if not isinstance(provider, Mapping) or provider.get("name") != "oidc":
        return
    settings = provider.get("config")
    settings = settings if isinstance(settings, Mapping) else {}
    if settings.get("idp-certificate-authority") or settings.get("idp-certificate-authority-data"):
        return
    raise KubeconfigError(
        f"context {context!r} of {source} signs in as user {user_name!r} with `auth-provider: oidc` and no "
        "`idp-certificate-authority`: on an expired token the program's checks would send its refresh "
        "token to an issuer they cannot verify. Add `idp-certificate-authority: <the issuer's CA file>` "
        "(for a public issuer, /etc/ssl/certs/ca-certificates.crt) to that user's auth-provider config, or "
        "sign in with an exec plugin instead (kubelogin: `kubectl oidc-login setup`)"
    )


_SET_KUBECONFIG = "pulumi config set kubernetes:kubeconfig <path>"


def _shown(path: str) -> str:
    """The path as it is read: `~` expanded, as pulumi-kubernetes and the kubernetes client do."""
    try:
        return str(Path(path).expanduser())
    except RuntimeError:  # an unknown ~user
        return path


def _read(path: Path, source: str, what: str, *, missing_ok: bool) -> object:
    """The data of the kubeconfig file at `path`: None when it is missing and `missing_ok`; a
    `KubeconfigError` naming `what` when it cannot be a kubeconfig (a directory, a FIFO, empty,
    over `MAX_KUBECONFIG_BYTES`, unreadable, not YAML)."""
    fix = f"fix it, or set `{_SET_KUBECONFIG}` to the kubeconfig to use"
    try:
        text = read_limited(path.expanduser(), MAX_KUBECONFIG_BYTES)  # `~` as the provider reads it
    except FileNotFoundError:
        if missing_ok:
            return None
        raise KubeconfigError(f"{what} names {source}, which does not exist: {fix}") from None
    except FileProblem as problem:
        if not problem.regular:
            raise KubeconfigError(f"{what} names {source}, which is not a file: {fix}") from None
        if problem.size is not None:
            raise KubeconfigError(
                f"{what} names {source}, of {problem.size} bytes: a kubeconfig of more than "
                f"{MAX_KUBECONFIG_BYTES >> 20} MiB is not read: {fix}"
            ) from None
        raise KubeconfigError(f"{what} names {source}, which cannot be read ({problem}): {fix}") from None
    except (OSError, RuntimeError) as error:  # RuntimeError: an unknown ~user
        raise KubeconfigError(
            f"{what} names {source}, which cannot be read ({type(error).__name__}): {fix}"
        ) from None
    if not text.strip():
        raise KubeconfigError(f"{what} names {source}, which is empty: {fix}")
    data = _load(text, source)
    if not isinstance(data, dict):
        raise KubeconfigError(f"{what} names {source}, which is not a kubeconfig (YAML with contexts): {fix}")
    return data


def _merged(configs: list[dict[object, object]]) -> dict[str, object]:
    """kubeconfigs merged as kubectl merges `$KUBECONFIG`: the first file to set `current-context`
    or to define a context, cluster or user of a name wins."""
    merged: dict[str, object] = {}
    for key, entry in (("contexts", "context"), ("clusters", "cluster"), ("users", "user")):
        entries: list[object] = []
        seen: set[str] = set()
        for config in configs:
            for name, value in _named(config.get(key), entry).items():
                if name not in seen:
                    seen.add(name)
                    entries.append({"name": name, entry: value})
        merged[key] = entries
    merged["current-context"] = next((c["current-context"] for c in configs if c.get("current-context")), "")
    return merged


def _load(text: str, source: str) -> object:
    """The kubeconfig's data, None when it is not YAML; `KubeconfigError` when it would expand
    beyond `MAX_KUBECONFIG_VALUES` (PyYAML copies merged mappings: `<<: [*a, *a]` nested is
    exponential, so the composed graph is measured before anything is constructed)."""
    loader = YAML_LOADER(text)
    try:
        root = loader.get_single_node()
        too_large = root is not None and _expanded_size(root, {}) > MAX_KUBECONFIG_VALUES
        data = None if root is None or too_large else loader.construct_document(root)
    except (yaml.YAMLError, RecursionError, ValueError):
        return None
    finally:
        loader.dispose()
    if too_large:
        raise KubeconfigError(
            f"the kubeconfig {source} expands to more than {MAX_KUBECONFIG_VALUES:,} values through "
            "YAML aliases and merge keys ('<<: *anchor'): write it out plainly"
        )
    return data


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values `node` stands for with every alias expanded, capped just above the limit;
    linear in the composed graph (each node measured once)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = MAX_KUBECONFIG_VALUES + 1  # a node that contains itself is over the limit
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(item, sizes) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    sizes[id(node)] = min(size, MAX_KUBECONFIG_VALUES + 1)
    return sizes[id(node)]


def _named(entries: object, key: str) -> dict[str, dict[object, object]]:
    """`[{name: n, <key>: {...}}, ...]` as {n: {...}}, skipping entries of another shape."""
    if not isinstance(entries, list):
        return {}
    named: dict[str, dict[object, object]] = {}
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get(key), dict):
            named.setdefault(str(entry.get("name")), entry[key])
    return named


def server_address(server: str, source: str) -> tuple[str, int]:
    """(host, port) of a kubeconfig `server:` URL; `KubeconfigError` names the source and the fix."""
    fix = (
        f"fix the cluster's `server:` in {source} (e.g. https://127.0.0.1:6443), or point "
        "`pulumi config set kubernetes:kubeconfig <path>` at another kubeconfig"
    )
    shown = without_userinfo(server) if len(server) <= 200 and server.isprintable() else "(not shown)"
    try:
        url = urllib.parse.urlsplit(server)
        port = url.port
    except ValueError:
        raise KubeconfigError(
            f"the Kubernetes API server {shown!r} (from {source}) is not a valid URL "
            f"(a port that is not a number from 1 to 65535, or an unclosed '['): {fix}"
        ) from None
    if url.scheme not in ("http", "https") or not url.hostname:
        raise KubeconfigError(
            f"the Kubernetes API server {shown!r} (from {source}) is not an http(s):// URL with a host: {fix}"
        )
    if port == 0:
        raise KubeconfigError(f"the Kubernetes API server {shown!r} (from {source}) has port 0: {fix}")
    return url.hostname, port or (443 if url.scheme == "https" else 80)


def require_reachable(server: str, source: str, timeout: float = 3.0) -> None:
    """Raise `ClusterUnreachable` with the server, its source and the fix, if it cannot be reached."""
    host, port = server_address(server, source)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except (OSError, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
    shown = without_userinfo(server)
    raise ClusterUnreachable(
        f"cannot reach the Kubernetes API server {shown} (from {source}): {reason.lower()}: "
        "start the cluster, or point `pulumi config set kubernetes:kubeconfig <path>` "
        "(and `kubernetes:context`) at one that runs"
    )


def provider(
    kubeconfig: str | None,
    context: str | None,
    *,
    secret_keys: Collection[str] = (),
    parent: pulumi.Resource | None = None,
) -> k8s.Provider:
    """Our own provider, so a changed secret updates the Secret in place instead of deleting it
    first; it honours the usual `kubernetes:kubeconfig` / `kubernetes:context` config.

    `secret_keys` ("kubeconfig", "context") were set as secret config: those are passed as
    secrets, and so is a kubeconfig's content (its credentials) whichever way it was set.
    """

    def kept(key: str, value: str | None) -> pulumi.Input[str] | None:
        inline = key == "kubeconfig" and is_inline_kubeconfig(value)
        return pulumi.Output.secret(value) if value is not None and (key in secret_keys or inline) else value

    # The name "kubernetes" and these options are in every existing stack's state: keep them.
    return k8s.Provider(
        "kubernetes",
        kubeconfig=kept("kubeconfig", kubeconfig),
        context=kept("context", context),
        enable_secret_mutable=True,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def require_cluster(
    kubeconfig: str | None, context: str | None, env: Mapping[str, str], *, secret_path: bool = False
) -> bool:
    """Raise `ClusterUnreachable` unless the provider's API server accepts connections: the
    provider would preview an unreachable cluster as empty, and a reviewer approve that. False
    when no kubeconfig names one (nothing was checked)."""
    cluster = api_server(kubeconfig, context, env, secret_path=secret_path and bool(kubeconfig))
    if cluster is None:
        return False
    require_reachable(*cluster)
    return True
