"""The one family of errors the user can fix: a bad stack file, config, plan, check or cluster.

Each carries where the problem is (a file, `file:line`, or empty when each problem names its own
place) and its problems as a list; `str()` is the message the user sees, one problem a line.
`__main__.py` catches `InputError` alone and hands the message to Pulumi.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class InputError(ValueError):
    """Input the user can fix, found before anything is applied."""

    def __init__(self, problems: str | Sequence[str], where: str = "") -> None:
        self.where = where
        self.problems: tuple[str, ...] = (problems,) if isinstance(problems, str) else tuple(problems)
        super().__init__("\n".join(f"{where}: {problem}" if where else problem for problem in self.problems))


class StackFileError(InputError):
    """A stack file (or an `environment_file`) that cannot be used: the file, the line, the fix.

    Import it from `components.stackfile`, where outside code has always found it.
    """

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(message, f"{self.path}:{line}" if line else self.path)
