"""One function's invoke check, resolved: `CheckSpec`, and the rules of what a check may send."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from components.shared.kubeconfig import ClusterAccess

DEFAULT_METHOD = "POST"


DEFAULT_TIMEOUT_SECONDS = 120.0


MAX_TIMEOUT_SECONDS = 3600.0


CREDENTIALS = "<url credentials>"
"""The `secret_values` key of a URL's `user:password`; no OpenFaaS secret can have this name."""


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


FRAMING_HEADERS = ("content-length", "transfer-encoding", "connection")


@dataclass(frozen=True)
class CheckSpec:
    """One function's invoke check, fully resolved (the URL is absolute).

    `secret_headers` maps a header to the OpenFaaS secret whose value it carries.
    `expect_status` None means "any answer that is not 5xx or 404" (readiness).
    `refused_probe`: also send the request without the secret headers; it passes when that
    answer does NOT satisfy the expectation (status and body), i.e. the function refused.
    `credentials`: `user:password` taken out of the URL, sent as Basic auth (never a property).
    `cluster_secret`: the kubeconfig path or context is secret config, so the check's resource
    passes both as secrets (never a property of its own).
    """

    function: str
    url: str
    method: str = DEFAULT_METHOD
    body: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    secret_headers: Mapping[str, str] = field(default_factory=dict)
    expect_status: int | None = None
    expect_body: str | None = None
    expect_body_regex: str | None = None
    refused_probe: bool = False
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    enabled: bool = True
    kubeconfig: str = ""
    kube_context: str = ""
    credentials: str | None = field(default=None, repr=False)
    cluster_secret: bool = field(default=False, repr=False)

    @property
    def cluster(self) -> ClusterAccess:
        """The kubeconfig and context that reach a `kubernetes-api://` URL."""
        return ClusterAccess(self.kubeconfig, self.kube_context)

    @property
    def secret_names(self) -> tuple[str, ...]:
        """The OpenFaaS secrets the headers reference, sorted, without repeats."""
        return tuple(sorted(set(self.secret_headers.values())))

    def missing_secrets(self, given: Collection[str]) -> list[str]:
        """The secrets the headers reference that are not in `given`, sorted."""
        return [name for name in self.secret_names if name not in given]


def header_value_problem(value: str) -> str | None:
    """Why `value` cannot be sent as an HTTP header value (never quoting it), or None."""
    if "\r" in value or "\n" in value:
        return "holds a line break (CR or LF), which would end the header"
    if re.search(r"[\x00-\x08\x0a-\x1f\x7f]", value):
        return "holds a control character"
    if not all(ord(c) < 256 for c in value):
        return "holds a character outside Latin-1, which HTTP headers cannot carry"
    return None


def as_integer(value: object) -> int | None:
    """`value` as an int (an int, an integral float, or digits), else None; never a bool."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value)
    return None
