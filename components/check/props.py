"""A `CheckSpec` as the check resource's properties, and back; what a change of them is."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from components.check.spec import CheckSpec, as_integer

# `credentials` travel in `secret_values` (encrypted), never as a property of their own;
# `cluster_secret` only says to pass `kubeconfig` and `kube_context` as secrets.
SPEC_FIELDS = tuple(
    f for f in dataclasses.fields(CheckSpec) if f.name not in ("credentials", "cluster_secret")
)


SPEC_PROPS = tuple(f.name for f in SPEC_FIELDS)


# None (dropped by the engine) when unused, so gateway checks keep the inputs they had.
NONE_WHEN_EMPTY = frozenset({"kubeconfig", "kube_context"})


OUTPUT_PROPS = ("status", "attempts", "refused_status", "summary")


DIFF_PROPS = (*SPEC_PROPS, "triggers")


def spec_to_props(spec: CheckSpec) -> dict[str, object]:
    """The spec as a plain dict keyed by SPEC_PROPS (snake_case keys, JSON-able values)."""
    props: dict[str, object] = {}
    for name in SPEC_PROPS:
        value = getattr(spec, name)
        if isinstance(value, Mapping):
            value = dict(value)
        elif name in NONE_WHEN_EMPTY:
            value = value or None
        props[name] = value
    return props


def spec_from_props(props: Mapping[str, object]) -> CheckSpec:
    """Rebuild a spec from properties as the engine hands them back.

    The engine drops None values and turns integers into floats; both are undone here. A
    property that is missing, empty or of the wrong kind takes the field's default.
    """
    values: dict[str, object] = {}
    for f in SPEC_FIELDS:
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            values[f.name] = str(props[f.name])  # `function` and `url`, both text
            continue
        raw = props.get(f.name)
        value = None if raw is None else _FROM_PROP[str(f.type)](raw)
        if value is None:
            value = f.default_factory() if f.default is dataclasses.MISSING else f.default  # type: ignore[operator]
        values[f.name] = value
    return CheckSpec(**values)  # type: ignore[arg-type]


def _str_map(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


# A field's annotation (a string: check/spec.py uses `from __future__ import annotations`) -> how
# a property value becomes the field's value again.
_FROM_PROP: dict[str, Callable[[object], object]] = {
    "str": lambda value: str(value) if value else None,
    "str | None": str,
    "bool": bool,
    "float": _number,
    "int | None": as_integer,
    "Mapping[str, str]": _str_map,
}


def trigger_digest(parts: Iterable[str]) -> str:
    """A stable SHA-256 over ordered parts for `triggers` (`OpenFaaSFunction` feeds it the
    namespace, the replicas, the function's settings, the secrets' keyed checksum, the workload ids).

    Feed it only values that are safe to hash in the clear (use a keyed checksum for secrets).
    """
    return hashlib.sha256(json.dumps(list(parts)).encode()).hexdigest()


def _canonical(value: object) -> object:
    """Values as compared by `diff`: numbers as floats (the wire turns ints into floats)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    return value


def changed_props(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """The spec/trigger properties whose values differ (unknown values count as changed)."""
    return [k for k in DIFF_PROPS if _canonical(olds.get(k)) != _canonical(news.get(k))]
