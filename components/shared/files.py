"""Reading files bounded: regular files only, of limited size (a FIFO would block, `/dev/zero`
never end), checked before anything is read. The stack file and its `environment_file`s, a
secret's `fromFile` and the kubeconfig are all read so."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class FileProblem(OSError):
    """A file that is there but must not be read: why, in a few words (never its content).
    `regular` is False for a directory, a FIFO, a device or a socket; `size` is set when the
    file is over the limit (its size, as far as it was read)."""

    def __init__(self, reason: str, *, regular: bool = True, size: int | None = None) -> None:
        super().__init__(reason)
        self.regular = regular
        self.size = size


def read_bytes_limited(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; FileNotFoundError or FileProblem.
    Checked before it is read and again on the open file (a FIFO swapped in would block)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileProblem("is a symlink loop") from None
        if exc.errno == errno.ENOTDIR:
            raise FileNotFoundError(str(path)) from None
        raise FileProblem(f"cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise FileProblem("is a directory, not a file", regular=False)
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem(
            "is not a regular file (a FIFO, a device or a socket), which is never read", regular=False
        )
    if info.st_size > limit:
        raise FileProblem(f"is {info.st_size} bytes, more than the limit of {limit} bytes", size=info.st_size)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise FileProblem(f"cannot be read ({exc.strerror})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FileProblem(
                "is not a regular file (a FIFO, a device or a socket), which is never read", regular=False
            )
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise FileProblem(f"is more than the limit of {limit} bytes", size=size)
    return b"".join(chunks)


def read_limited(path: Path, limit: int, *, utf16: bool = False) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes; FileNotFoundError or FileProblem.

    With `utf16`, a file that starts with a UTF-16 byte-order mark is read as UTF-16, as yaml.v3
    reads it (an environment file written by Windows PowerShell 5's `>`); a stack file is not,
    since faas-cli substitutes `${VAR}` in its bytes first and then cannot parse it."""
    data = read_bytes_limited(path, limit)
    if utf16 and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")  # the BOM says which byte order, and is dropped
        except UnicodeDecodeError as exc:
            raise FileProblem(f"is not UTF-16 text (byte {exc.start})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileProblem(f"is not UTF-8 text (byte {exc.start})") from None
