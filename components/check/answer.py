"""What a passing answer is: the status and body a `CheckSpec` expects, and how to say it."""

from __future__ import annotations

from components.check.spec import CheckSpec
from components.shared.regex import compile_go_regex

MAX_BODY_BYTES = 1 << 20
"""The most of an answer's body a check reads (through the gateway or the API server)."""


def is_readiness_answer(status: int) -> bool:
    """Readiness: the function answered, not with a 5xx nor a gateway 404."""
    return status < 500 and status != 404


def body_matches(spec: CheckSpec, body: str) -> bool:
    """True when the body satisfies expectBody / expectBodyRegex (or neither is set)."""
    if spec.expect_body is not None:
        return spec.expect_body in body
    if spec.expect_body_regex is not None:
        return compile_go_regex(spec.expect_body_regex).search(body) is not None
    return True


def status_matches(spec: CheckSpec, status: int) -> bool:
    """True when the status is `expectStatus`, or a readiness answer when that is unset."""
    return is_readiness_answer(status) if spec.expect_status is None else status == spec.expect_status


def answer_matches(spec: CheckSpec, status: int, body: str) -> bool:
    """True when an answer satisfies the spec's status and body expectations."""
    return status_matches(spec, status) and body_matches(spec, body)


def describe_expectation(spec: CheckSpec) -> str:
    """What the spec expects, for messages: `HTTP 200 and a body containing 'Unlocked'`."""
    if spec.expect_status is None:
        status = "an answer that is not HTTP 5xx or 404"
    else:
        status = f"HTTP {spec.expect_status}"
    if spec.expect_body is not None:
        return f"{status} and a body containing {spec.expect_body!r}"
    if spec.expect_body_regex is not None:
        return f"{status} and a body matching /{spec.expect_body_regex}/"
    return status
