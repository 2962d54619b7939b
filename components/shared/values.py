"""Describing a value a user wrote without showing it: it may be a secret pasted in the wrong place."""

from __future__ import annotations

from collections.abc import Mapping


def describe(value: object) -> str:
    """What `value` is ("a list", "an object with keys a, b", "a number"), never its content."""
    if isinstance(value, Mapping):
        keys = ", ".join(sorted(str(k) for k in value))
        return f"an object with keys {keys}" if keys else "an empty object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "null" if value is None else type(value).__name__
