"""The differential cases (`tests/differential/cases/*.yaml`, format in `test_differential.py`) and
the shared corpus, as stack files to load, and what `load_stack` makes of one."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from components.stackfile import StackFileError, load_stack
from tests.support.corpus import CORPUS
from tests.support.faas_cli import Result

CASES = Path(__file__).resolve().parents[1] / "differential/cases"


@dataclass(frozen=True)
class Case:
    """One comparison: a stack file in a folder of its own, with its environment and selection."""

    id: str
    stack: str
    files: Mapping[str, str | Mapping[str, str]]
    env: Mapping[str, str]
    filter: str = ""
    regex: str = ""
    source: Path | None = None  # a corpus file, copied as bytes

    def write(self, folder: Path) -> str:
        """Put the files in `folder`; returns the stack file's name."""
        if self.source is not None:
            (folder / self.source.name).write_bytes(self.source.read_bytes())
            return self.source.name
        for name, content in self.files.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Mapping):
                target.write_bytes(b"\xff\xfe" + content["utf-16"].encode("utf-16-le"))
            else:
                target.write_bytes(content.encode("utf-8"))
        (folder / "stack.yml").write_bytes(self.stack.encode("utf-8"))
        return "stack.yml"


def load_cases() -> Iterator[Case]:
    for path in sorted(CASES.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        unknown = set(raw) - {"what", "env", "filter", "regex", "stack", "files"}
        assert not unknown, f"{path.name}: unknown keys {unknown}"
        assert str(raw.get("what") or "").strip(), f"{path.name}: say what the case covers"
        yield Case(
            id=path.stem.split("-", 1)[1],
            stack=raw["stack"],
            files=raw.get("files") or {},
            env={k: str(v) for k, v in (raw.get("env") or {}).items()},
            filter=str(raw.get("filter") or ""),
            regex=str(raw.get("regex") or ""),
        )
    for path in sorted(CORPUS.glob("*")):
        yield Case(id=f"corpus/{path.name}", stack="", files={}, env={}, source=path)


ALL = list(load_cases())


def ours(folder: Path, stack: str, env: Mapping[str, str], case: Case) -> Result:
    """What `load_stack` makes of the same files."""
    try:
        loaded = load_stack(folder / stack, env=env, filter=case.filter, regex=case.regex)
    except StackFileError as error:
        return Result(False, {}, str(error))
    functions: dict[str, dict[str, object]] = {}
    for name, fn in loaded.functions.items():
        functions[name] = {
            "image": fn.image,
            "environment": dict(fn.environment),
            "secrets": list(fn.secrets),
            "labels": dict(fn.labels),
            "annotations": dict(fn.annotations),
            "limits": _resources(fn.limits),
            "requests": _resources(fn.requests),
            "constraints": list(fn.constraints or []),
            "readOnlyRootFilesystem": fn.readonly_root_filesystem,
            "namespace": fn.namespace,
            "fprocess": fn.fprocess,
        }
    return Result(True, functions, "")


def _resources(value: object) -> dict[str, str]:
    memory, cpu = (getattr(value, "memory", ""), getattr(value, "cpu", "")) if value else ("", "")
    return {"memory": memory, "cpu": cpu}
