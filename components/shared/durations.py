"""Go durations (`90s`, `1m30s`, `500ms`), as Pulumi's custom timeouts and the settings take them."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)", re.ASCII)
_WHOLE = re.compile(f"(?:{_PART.pattern})+", re.ASCII)
_SECONDS_PER = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration_seconds(text: str) -> float | None:
    """The seconds a Go duration stands for ("0" is 0), or None when `text` is not one."""
    if text == "0":
        return 0.0
    if not _WHOLE.fullmatch(text):
        return None
    return sum(float(number) * _SECONDS_PER[unit] for number, unit in _PART.findall(text))


def shown_seconds(seconds: float) -> str:
    """Seconds as a message shows them, to a tenth: an attempt given what is left of 2 s has
    1.99999 s, which reads as 2."""
    return f"{round(seconds, 1):g}"
