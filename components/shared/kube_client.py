"""The official `kubernetes` client, made from a kubeconfig as kubectl reads it (`$KUBECONFIG`,
several files merged, exec and token auth), with its log records kept from every handler while
it is used: a failed exec plugin is logged with its stderr, which may hold a token."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import ssl
import threading
from collections.abc import Callable, Iterator
from typing import Any

from components.shared.kubeconfig import ClusterAccess


class KubeClientError(Exception):
    """The kubeconfig cannot be used; the message names it in general words, never its content."""


class KubernetesLogGate(logging.Filter):
    """Keeps the kubernetes client's log records from every handler while any send runs.

    A failed exec plugin is logged with its stderr (`logging.error`, on the root logger), which
    may hold a token. `closed()` is shared by concurrent sends; the last one out undoes it all.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._users = 0
        self._propagate = True
        self._package = ""
        self._null = logging.NullHandler()
        self._failed: dict[int, str] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """False (dropped) for a record of the kubernetes client; notes the thread of an error."""
        name = record.name
        if (
            name != "kubernetes"
            and not name.startswith("kubernetes.")
            and not record.pathname.startswith(self._package)
        ):
            return True
        if record.levelno >= logging.ERROR and record.thread is not None:
            self._failed.setdefault(record.thread, exec_failure(record.getMessage()))
        return False

    @contextlib.contextmanager
    def closed(self) -> Iterator[Callable[[], str]]:
        """Drop the records while it lasts; yields "what error did this thread's client log?"
        (`exec_failure`'s words; "" when none)."""
        import kubernetes

        root, package = logging.getLogger(), logging.getLogger("kubernetes")
        with self._lock:
            if not self._users:
                self._package = os.path.dirname(kubernetes.__file__) + os.sep
                root.addFilter(self)
                # `logging.error` on a root without handlers would add one for stderr (basicConfig)
                root.addHandler(self._null)
                # records of `kubernetes.*` loggers skip the root's filter: stop them here
                self._propagate, package.propagate = package.propagate, False
                package.addHandler(self._null)  # not logging.lastResort (stderr) either
            self._users += 1
        thread = threading.get_ident()
        self._failed.pop(thread, None)
        try:
            yield lambda: self._failed.get(thread, "")
        finally:
            with self._lock:
                self._failed.pop(thread, None)
                self._users -= 1
                if not self._users:
                    root.removeFilter(self)
                    root.removeHandler(self._null)
                    package.removeHandler(self._null)
                    package.propagate = self._propagate


def exec_failure(logged: str) -> str:
    """What a failed exec plugin's logged error says, in words safe to show: the command a missing
    plugin names and an exit status, never what the plugin printed (it may hold a token)."""
    missing = re.search(r"No such file or directory: '([^']*)'", logged)
    if missing:
        return (
            f"its exec plugin {missing.group(1)!r} was not found: install it, or fix the user's exec command"
        )
    status = re.match(r"exec: process returned (-?\d+)", logged)
    if status:
        return f"its exec plugin exited with status {status.group(1)}"
    if logged.startswith("exec:"):
        return "its exec plugin's answer could not be read"
    return "its exec plugin failed"


KUBERNETES_LOGS = KubernetesLogGate()
"""The one gate every user of the client shares."""


def api_client(access: ClusterAccess, *, retries: int | None = None) -> Any:
    """A client for the cluster `access` names; `KubeClientError` when the kubeconfig is unusable.
    Use it inside `KUBERNETES_LOGS.closed()`. `retries`: how often a request is sent again after
    a connection or read error (urllib3's default, 3, when None)."""
    from kubernetes import client as kube
    from kubernetes import config as kube_config

    try:
        for _ in range(3):
            configuration = type.__call__(kube.Configuration)  # not a copy of a process-wide default
            kube_config.load_kube_config(
                config_file=access.kubeconfig or None,
                context=access.context or None,
                client_configuration=configuration,
                persist_config=False,
            )
            configuration.retries = retries
            _trim_token(configuration)
            client = kube.ApiClient(configuration)
            try:
                _load_tls_now(client, configuration)
            except _Vanished:
                continue  # another client removed a file both were given: make it again
            return client
        raise KubeClientError(f"cannot read the kubeconfig {_where(access)} (its TLS files kept vanishing)")
    except ssl.SSLError as exc:
        if "KEY_VALUES_MISMATCH" in str(exc):
            raise KubeClientError(MISMATCHED_KEY) from None
        raise KubeClientError(
            f"cannot use the kubeconfig {_where(access)}: its TLS certificates or key cannot be loaded "
            f"({type(exc).__name__})"
        ) from None
    except kube_config.ConfigException as exc:
        reason = _first_line(exc)
        if access.secret and access.kubeconfig:
            reason = reason.replace(access.kubeconfig, "<the kubeconfig>")
        raise KubeClientError(f"cannot use the kubeconfig {_where(access)}: {reason}") from None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise KubeClientError(f"cannot read the kubeconfig {_where(access)} ({type(exc).__name__})") from None


MISMATCHED_KEY = "the kubeconfig's client certificate and client key do not belong together"
_TEMP_FILES_LOCK = threading.Lock()


def _load_tls_now(client: Any, configuration: Any) -> None:
    """Load the client's TLS material into one SSL context now, then delete the files the
    kubernetes client wrote for the kubeconfig's inline `*-data` (it would keep them, private keys
    included, until the process exits and read them again for every new connection)."""
    from kubernetes.config import kube_config

    options = client.rest_client.pool_manager.connection_pool_kw
    written = [
        path
        for path in (configuration.ssl_ca_cert, configuration.cert_file, configuration.key_file)
        if path and path in kube_config._temp_files.values()
    ]
    try:
        if str(configuration.host).startswith("https:"):
            _load_context(options)
    except FileNotFoundError:
        if written:  # the client caches these files by content: another one may have removed them
            raise _Vanished() from None
        raise
    finally:
        with _TEMP_FILES_LOCK:
            for content, path in list(kube_config._temp_files.items()):
                if path in written:
                    del kube_config._temp_files[content]
            for path in written:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)


class _Vanished(Exception):
    """A TLS file the kubernetes client wrote was removed before it was read."""


def _load_context(options: dict[str, Any]) -> None:
    """Replace the pool's TLS file options with an SSL context made from them, as urllib3 makes one."""
    from urllib3.util.ssl_ import create_urllib3_context

    context = create_urllib3_context(cert_reqs=options.get("cert_reqs"))
    if options.get("ca_certs"):
        context.load_verify_locations(cafile=options["ca_certs"])
    if options.get("cert_file"):
        context.load_cert_chain(options["cert_file"], options.get("key_file"))
    for key in ("ca_certs", "cert_file", "key_file"):
        options.pop(key, None)
    options["ssl_context"] = context


def get_json(access: ClusterAccess, path: str, *, accept: str = "application/json") -> dict[str, Any] | None:
    """A read-only GET of `path` on the API server, as JSON; None for 404. For a preview, which
    waits for it: one attempt of at most 3 s. `KubeClientError` says why it failed in general
    words (the status, or the kind of connection error), never the kubeconfig's content."""
    return _send(access, "GET", path, accept=accept)


def json_patch(access: ClusterAccess, path: str, operations: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A JSON patch (RFC 6902) of the object at `path`; None for 404; as `get_json` otherwise
    (a failed `test` operation is a 422)."""
    return _send(access, "PATCH", path, body=operations, content_type="application/json-patch+json")


def _send(
    access: ClusterAccess,
    method: str,
    path: str,
    *,
    accept: str = "application/json",
    body: object = None,
    content_type: str = "",
) -> dict[str, Any] | None:
    import json

    from kubernetes.client.exceptions import ApiException

    headers = {"Accept": accept, **({"Content-Type": content_type} if content_type else {})}
    try:
        with KUBERNETES_LOGS.closed():
            response: Any = _client_of_the_run(access).call_api(
                path,
                method,
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
                _preload_content=False,
                _request_timeout=3,
            )
    except ApiException as error:
        if error.status == 404:
            return None
        raise KubeClientError(f"the API server answered {error.status} {error.reason}") from None
    except KubeClientError:
        raise
    except Exception as error:  # a connection error of any kind: say which, no more
        raise KubeClientError(f"the API server could not be read ({type(error).__name__})") from None
    data = json.loads((response[0] if isinstance(response, tuple) else response).data)
    return data if isinstance(data, dict) else None


_CLIENTS: dict[ClusterAccess, Any] = {}
_CLIENTS_LOCK = threading.Lock()


def _client_of_the_run(access: ClusterAccess) -> Any:
    """One client per kubeconfig and context for the whole run (a program's run is its process):
    a kubeconfig of many MiB is parsed once, not for every look at the cluster. A client that
    cannot be made is not kept."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(access)
        if client is None:
            client = _CLIENTS[access] = api_client(access, retries=0)
        return client


def _where(access: ClusterAccess) -> str:
    """The kubeconfig's path for a message; not the path set as a secret."""
    if access.secret:
        return "set in kubernetes:kubeconfig (a secret, not shown)"
    return access.kubeconfig or "$KUBECONFIG / ~/.kube/config"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    # the loader's messages name files and keys; cut anything long enough to be a credential
    return line if len(line) <= 160 else line[:160] + "..."


def _trim_token(configuration: Any) -> None:
    """Trim the bearer token as client-go does (`strings.TrimSpace` of a `tokenFile`): the file
    `kubectl create token ... > token` writes ends in a newline, which no header may hold. The
    client sets the token again before each request (`refresh_api_key_hook`), so trim after it."""
    refresh = configuration.refresh_api_key_hook

    def trimmed(conf: Any) -> None:
        if refresh is not None:
            refresh(conf)
        token = conf.api_key.get("authorization")
        if isinstance(token, str):
            conf.api_key["authorization"] = token.strip()

    configuration.refresh_api_key_hook = trimmed
