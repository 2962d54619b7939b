"""Invoke a function through the Kubernetes API server's service proxy, as `kubectl` would.

The check's usual way in is the OpenFaaS gateway, but from a laptop or a CI runner the gateway
is mostly a ClusterIP Service nobody can reach. `pulumi up` already holds what reaches the
cluster, the kubeconfig, and the API server forwards
`/api/v1/namespaces/<ns>/services/<name>:<port>/proxy/<path>` to the function's own Service.

The kubeconfig is read by the process that sends (the check's provider), from a file: its
credentials (tokens, client keys, exec plugins) never enter the check's inputs, state or logs.
The official `kubernetes` client reads it, with the same rules as the Kubernetes provider and
kubectl (`$KUBECONFIG`, several files merged, exec and token auth).
"""

from __future__ import annotations

import re
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from components.check.answer import MAX_BODY_BYTES
from components.shared.durations import shown_seconds
from components.shared.kube_client import KUBERNETES_LOGS, MISMATCHED_KEY, KubeClientError, api_client
from components.shared.kubeconfig import ClusterAccess

API_PROXY_SCHEME = "kubernetes-api"


@dataclass(frozen=True)
class ProxiedAnswer:
    """What came back through the API server: status, headers, the body's first bytes."""

    status: int
    headers: dict[str, str]
    body: bytes


class ProxyError(Exception):
    """The API server could not be asked (kubeconfig, TLS, connection, timeout).

    The message says what failed in general words: it never quotes the kubeconfig.
    """


class ProxyClients:
    """The API client of one check run, made once: the kubeconfig is read (and an exec plugin
    run) for the first attempt, not again for each retry. An attempt that finds an earlier one
    still making it (an exec plugin waiting for an interactive login) waits at most its own time
    and says so, without starting the plugin again."""

    def __init__(self, access: ClusterAccess) -> None:
        self.access = access
        self._client: Any = None
        self._lock = threading.Lock()

    def client(self, timeout: float) -> Any:
        """The client; `ProxyError` when the kubeconfig cannot be used or an earlier attempt is
        still reading it after `timeout` seconds."""
        if not self._lock.acquire(timeout=max(timeout, 0.01)):
            raise ProxyError(
                "the kubeconfig's credentials are still being read by an earlier attempt (does its "
                "exec plugin wait for an interactive login? sign in first, e.g. with kubectl)"
            )
        try:
            if self._client is None:
                # the client logs a failed exec plugin (and its stderr) and goes on without credentials
                with KUBERNETES_LOGS.closed() as logged_an_error:
                    try:
                        client = api_client(self.access)
                    except KubeClientError as error:
                        raise ProxyError(str(error)) from None
                    failure = logged_an_error()
                if failure:  # not kept: the next attempt tries again
                    raise ProxyError(f"the kubeconfig's credentials could not be read ({failure})")
                self._client = client
            return self._client
        finally:
            self._lock.release()


_PROXY_PREFIX = re.compile(r"/api/v1/namespaces/[^/?]+/services/[^/?]+/proxy/")


def path_problem(path: str) -> str | None:
    """Why `path` would reach another path once resolved (as a phrase), or None.

    Clients and servers resolve `.` and `..` segments (urllib3 does before sending), also
    percent-encoded (`%2e%2e`, `%252e%252e`) or with a `;param`, and some read `\\` as `/`:
    through the API server such a path leaves the function's service proxy and reaches the
    API with the deployer's credentials. The query is not looked at.
    """
    text = path.partition("?")[0]
    for _ in range(4):  # %252e is %2e once decoded, then '.'
        text, before = urllib.parse.unquote(text), text
        if text == before:
            break
    if "\\" in text:
        return "holds a backslash (or %5C), which some servers take for '/': write '/'"
    if any(segment.partition(";")[0] in (".", "..") for segment in text.split("/")):
        return (
            "has a '.' or '..' segment (or one percent-encoded, such as %2e%2e), which would be resolved "
            "to another path (through the API server, outside the function's service proxy): write the "
            "path without it"
        )
    return None


def proxy_path(namespace: str, service: str, port: int, path: str = "/") -> str:
    """`/api/v1/namespaces/<ns>/services/<name>:<port>/proxy/<path>`, each part quoted."""
    quoted = urllib.parse.quote(path.lstrip("/"), safe="/?=&%:@!$'()*+,;~-._")
    ns, svc = (urllib.parse.quote(part, safe="") for part in (namespace, service))
    return f"/api/v1/namespaces/{ns}/services/{svc}:{port}/proxy/{quoted}"


def proxy_url(namespace: str, service: str, port: int, path: str = "/") -> str:
    """The check's URL for a proxied call: `kubernetes-api:///api/v1/...` (server from kubeconfig)."""
    return f"{API_PROXY_SCHEME}://{proxy_path(namespace, service, port, path)}"


def is_proxy_url(url: str) -> bool:
    """True for a URL made by `proxy_url`."""
    return url.startswith(f"{API_PROXY_SCHEME}:///")


def send(
    access: ClusterAccess | ProxyClients,
    method: str,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
) -> ProxiedAnswer:
    """Send one request to `url` (from `proxy_url`) with the kubeconfig's credentials (through
    the client of `access`, a `ProxyClients` kept across a check's attempts).

    The whole call, connection to the last byte, ends by `timeout` seconds. Raises
    `ProxyError` when the API server cannot be asked; any HTTP status is an answer (a 503 from
    the API server means the Service has no ready endpoint yet).
    """
    import urllib3

    deadline = time.monotonic() + timeout
    clients = access if isinstance(access, ProxyClients) else ProxyClients(access)
    with KUBERNETES_LOGS.closed() as logged_an_error:
        client = clients.client(timeout)
        request_headers = dict(headers)
        try:
            client.update_params_for_auth(request_headers, [], ["BearerToken"])
        except Exception as exc:  # exec plugins and token files fail in many ways
            raise ProxyError(
                f"the kubeconfig's credentials could not be read ({type(exc).__name__})"
            ) from None
        failure = logged_an_error()  # the client logs a failed exec plugin (and its stderr) and goes on
        if failure:
            raise ProxyError(f"the kubeconfig's credentials could not be read ({failure})")
        host = client.configuration.host.rstrip("/")
        target = host + _exact_path(url, urllib3.util.parse_url(host).path or "")
        try:
            response = client.rest_client.pool_manager.request(
                method,
                target,
                body=body or None,
                headers=request_headers,
                timeout=urllib3.Timeout(connect=max(timeout, 0.01), read=max(timeout, 0.01)),
                preload_content=False,
                redirect=False,
                retries=False,
            )
            data = bytearray()
            while len(data) < MAX_BODY_BYTES:
                if time.monotonic() > deadline:
                    response.release_conn()
                    raise ProxyError(
                        f"the API server did not finish answering within {shown_seconds(timeout)}s"
                    )
                chunk = response.read1(min(65536, MAX_BODY_BYTES - len(data)))
                if not chunk:
                    break
                data += chunk
            response.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            raise ProxyError(_network_reason(exc)) from None
        answer_headers = {str(k): str(v) for k, v in response.headers.items()}
        return ProxiedAnswer(int(response.status), answer_headers, bytes(data))


def _exact_path(url: str, base: str) -> str:
    """The path of `url` (from `proxy_url`), checked to stay under its service proxy prefix
    after `base` (the API server's own path) as urllib3 will send it; else `ProxyError`."""
    import urllib3

    path = url[len(f"{API_PROXY_SCHEME}://") :]
    prefix = _PROXY_PREFIX.match(path)
    if prefix is None or path_problem(path[prefix.end() :]) is not None:
        raise ProxyError(
            "the check's path would leave the function's service proxy (a '.' or '..' segment, or a "
            "backslash): nothing was sent"
        )
    sent = urllib3.util.parse_url(base.rstrip("/") + path).request_uri
    if not sent.startswith(base.rstrip("/") + prefix.group(0)):
        raise ProxyError("the check's path would leave the function's service proxy: nothing was sent")
    return path


def _network_reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", None) or exc
    text = type(reason).__name__
    if "Timeout" in text:
        return "the API server did not answer in time"
    detail = str(reason)
    if "KEY_VALUES_MISMATCH" in detail:
        return MISMATCHED_KEY
    if "SSL" in text or "Certificate" in text:
        return "TLS with the API server failed (check the kubeconfig's certificate-authority)"
    if "NewConnection" in text or "Connection" in text:
        return "cannot connect to the API server"
    return f"the request to the API server failed ({text})"
