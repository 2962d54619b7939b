"""The OpenFaaS stack file (`stack.yaml`), read as faas-cli reads it.

Field names and rules follow openfaas/go-sdk `stack/schema.go` and `stack/stack.go` and faas-cli's
`deploy`/`generate`, checked against a real faas-cli by `tests/differential/`: `${VAR}` substitution
over the raw text before parsing (drone/envsubst, `components.envsubst`), the first YAML document
read as gopkg.in/yaml.v3 decodes it into go-sdk's types (`components.yamltree` composes the nodes,
`components.yamlnodes` reads them: scalars kept as their raw text, null keys and null list items
dropped, duplicate keys rejected, `<<` merges with the mapping's own keys first; unknown keys are
ignored), functions selected by `filter`/`regex` before any
`environment_file` is read. Where this module is stricter or friendlier than faas-cli it says so
(README, "Where we differ from faas-cli"). It knows nothing of Pulumi.

This module is the schema (what each key means): a new function key is one `Function` field,
read by its type (`_Reader.function`) and known to the unknown-key check (`_FUNCTION_KEYS`).
"""

from __future__ import annotations

import difflib
import errno
import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from components.envsubst import SubstitutionError, substitute
from components.errors import StackFileError as StackFileError  # its import path since the start
from components.yamlnodes import NodeReader
from components.yamltree import NO_LIBYAML, ComposeError, Node, Scalar, Sequence, compose, is_null

SUPPORTED_VERSIONS = ("1.0",)
DEFAULT_STACK_FILES = ("stack.yaml", "stack.yml")
STACK_FILE_LIMIT = 8 * 1024 * 1024
ENVIRONMENT_FILE_LIMIT = 1024 * 1024

T = TypeVar("T")


@dataclass(frozen=True)
class Provider:
    """`provider:`: who deploys (`openfaas`) and the gateway's URL, if given."""

    name: str
    gateway: str = ""


@dataclass(frozen=True)
class FunctionResources:
    """`limits:` / `requests:` of a function, in OpenFaaS units (`128Mi`, `100m`)."""

    memory: str = ""
    cpu: str = ""


@dataclass(frozen=True)
class TemplateSource:
    """One entry of `configuration.templates` (build time only)."""

    name: str
    source: str = ""


@dataclass(frozen=True)
class StackConfiguration:
    """`configuration:` (build time only)."""

    templates: tuple[TemplateSource, ...] = ()
    copy: tuple[str, ...] = ()


@dataclass(frozen=True)
class Function:
    """One entry of `functions:`; attributes are named after the YAML keys.

    `environment` already holds the `environment_file` values merged over it (later files win).
    `constraints`, `limits` and `requests` are None when the key is absent, as in go-sdk.
    """

    name: str
    line: int
    image: str = ""
    lang: str = ""
    handler: str = ""
    fprocess: str = ""
    environment: Mapping[str, str] = field(default_factory=dict)
    environment_file: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    constraints: tuple[str, ...] | None = None
    limits: FunctionResources | None = None
    requests: FunctionResources | None = None
    readonly_root_filesystem: bool = False
    namespace: str = ""
    skip_build: bool = False
    build_options: tuple[str, ...] = ()
    build_args: Mapping[str, str] = field(default_factory=dict)
    build_secrets: Mapping[str, str] = field(default_factory=dict)
    platforms: str = ""

    @property
    def resource_kinds(self) -> tuple[tuple[str, FunctionResources | None], ...]:
        """`(("limits", limits), ("requests", requests))`, for the rules that apply to both."""
        return (("limits", self.limits), ("requests", self.requests))


@dataclass(frozen=True)
class StackFile:
    """A parsed stack file. `warnings` are things a user should fix that faas-cli accepts."""

    path: Path
    provider: Provider
    functions: Mapping[str, Function]
    version: str = ""
    configuration: StackConfiguration = StackConfiguration()
    warnings: tuple[str, ...] = ()


def _yaml_keys(schema: type, *not_keys: str) -> tuple[str, ...]:
    """The YAML keys of a schema dataclass: its fields, named after the keys, but `not_keys`."""
    return tuple(f.name for f in fields(schema) if f.name not in not_keys)


_FUNCTION_KEYS = _yaml_keys(Function, "name", "line")


def _default(schema_field: Field[Any]) -> object:
    """A schema field's default value (a fresh one for a `default_factory`)."""
    if schema_field.default is MISSING:
        return schema_field.default_factory()  # type: ignore[operator]
    return schema_field.default


_REMOVED_KEYS = {
    "network": "a Docker Swarm key faas-cli removed in 2021",
    "registry_auth": "a Docker Swarm key faas-cli removed in 2021",
}
_TOP_KEYS = _yaml_keys(StackFile, "path", "warnings")
_PROVIDER_KEYS = _yaml_keys(Provider)
_RESOURCE_KEYS = _yaml_keys(FunctionResources)


def default_stack_path(directory: Path | str = ".") -> Path:
    """`stack.yaml` if it exists, else `stack.yml`, as faas-cli picks its default file."""
    folder = Path(directory)
    for name in DEFAULT_STACK_FILES:
        if (folder / name).exists():
            return folder / name
    return folder / DEFAULT_STACK_FILES[0]


def image_reference(image: str) -> str:
    """The image as faas-cli deploys it: `:latest` added when the last part has no tag."""
    return image if ":" in image.rsplit("/", 1)[-1] else image + ":latest"


def load_stack(
    path: Path | str,
    *,
    env: Mapping[str, str] | None = None,
    filter: str = "",
    regex: str = "",
    project: Path | str | None = None,
) -> StackFile:
    """Read and check a stack file, keeping the functions `filter`/`regex` select (faas-cli's flags).

    `env` (default: the process environment) feeds `${VAR}`. With `project`, the stack file and
    every `environment_file` must lie inside that folder (the `stackFile` config is relative to it).
    """
    stack_path = Path(path)
    folder = Path(project).resolve() if project is not None else None
    if folder is not None and not _inside(stack_path, folder):
        raise StackFileError(
            stack_path,
            f"the 'stackFile' config points outside the project folder {folder}: put the stack file "
            "in the project and set a path relative to it with `pulumi config set stackFile <path>`",
        )
    try:
        raw = read_limited(stack_path, STACK_FILE_LIMIT)
    except FileNotFoundError:
        other = stack_path.parent / DEFAULT_STACK_FILES[1]
        looked = f" (nor {other.name} next to it)" if stack_path.name == DEFAULT_STACK_FILES[0] else ""
        raise StackFileError(
            stack_path,
            f"stack file not found{looked}: create it, or point the 'stackFile' config at yours "
            "with `pulumi config set stackFile <path, relative to the project>`",
        ) from None
    except FileProblem as problem:
        raise StackFileError(
            stack_path, f"the stack file {problem}: point the 'stackFile' config at a stack file"
        ) from None
    return parse_stack(
        raw, stack_path, env=os.environ if env is None else env, filter=filter, regex=regex, project=folder
    )


def parse_stack(
    text: str,
    path: Path,
    *,
    env: Mapping[str, str],
    filter: str = "",
    regex: str = "",
    project: Path | None = None,
) -> StackFile:
    """Parse stack-file text; `path` names it in errors and anchors `environment_file`."""
    try:
        text = substitute(text, env)
    except SubstitutionError as exc:
        line = text.count("\n", 0, exc.offset) + 1
        raise StackFileError(path, _in_function(text, line, str(exc)), line) from None
    reader = _Reader(path)
    root = reader.compose(text)
    stack = reader.stack(root)
    stack = select_functions(stack, filter=filter, regex=regex)
    return reader.with_environment_files(stack, project)


def select_functions(stack: StackFile, *, filter: str = "", regex: str = "") -> StackFile:
    """Keep the functions matching faas-cli's `--filter` glob (only `*` is special) or `--regex`
    (Go RE2 syntax, unanchored)."""
    if filter and regex:
        raise StackFileError(stack.path, "set either 'filter' or 'regex' in config, not both")
    if not filter and not regex:
        return stack
    if regex:
        matches = _re2_search(stack.path, regex)
        kept = {n: f for n, f in stack.functions.items() if matches(n)}
    else:
        kept = {n: f for n, f in stack.functions.items() if glob_match(filter, n)}
    if not kept:
        raise StackFileError(
            stack.path,
            f"no functions matching --filter/--regex were found in the YAML file "
            f"({'regex ' + repr(regex) if regex else 'filter ' + repr(filter)}; "
            f"functions: {', '.join(sorted(stack.functions)) or 'none'}): change the "
            f"'{'regex' if regex else 'filter'}' config, or remove it with "
            f"`pulumi config rm {'regex' if regex else 'filter'}`",
        )
    return replace(stack, functions=kept)


def glob_match(pattern: str, name: str) -> bool:
    """faas-cli's `--filter` (ryanuber/go-glob): `*` matches any text, every other character itself."""
    parts = pattern.split("*")
    if len(parts) == 1:
        return name == pattern
    rest = name
    for i, part in enumerate(parts[:-1]):
        at = rest.find(part)
        if at < 0 or (i == 0 and at != 0):
            return False
        rest = rest[at + len(part) :]
    return pattern.endswith("*") or rest.endswith(parts[-1])


def _re2_search(path: Path, regex: str) -> Callable[[str], bool]:
    try:
        import re2  # google-re2: Go's regexp syntax, linear time
    except ImportError:
        raise StackFileError(
            path,
            "the 'regex' config needs the google-re2 package (Go's regular expressions, as faas-cli "
            "uses): install it with `pip install -r requirements.txt`",
        ) from None
    options = re2.Options()
    options.log_errors = False
    try:
        pattern = re2.compile(regex, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise StackFileError(
            path,
            f"the 'regex' config '{regex}' is not a valid Go (RE2) regular expression: {reason}: "
            "faas-cli's --regex has no backreferences or lookarounds; fix it or use 'filter'",
        ) from None
    return lambda name: pattern.search(name) is not None


class FileProblem(OSError):
    """A file that is there but must not be read: why, in a few words (never its content)."""


def read_limited(path: Path, limit: int) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes; FileNotFoundError or FileProblem."""
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
        raise FileProblem("is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem("is not a regular file (a FIFO, a device or a socket), which is never read")
    if info.st_size > limit:
        raise FileProblem(f"is {info.st_size} bytes, more than the limit of {limit} bytes")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise FileProblem(f"cannot be read ({exc.strerror})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FileProblem("is not a regular file (a FIFO, a device or a socket), which is never read")
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
        raise FileProblem(f"is more than the limit of {limit} bytes")
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileProblem(f"is not UTF-8 text (byte {exc.start})") from None


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path` (symlinks followed; a symlink loop taken as written) lies in `folder`."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: reading it will say so
        real = Path(os.path.abspath(path))
    return real == folder or folder in real.parents


class _Reader(NodeReader):
    """Turns the YAML node tree into the stack file's model: what each key means."""

    def __init__(self, path: Path, *, quote: bool = True) -> None:
        super().__init__(path, quote=quote)
        self.env_file_lines: dict[str, int] = {}

    def compose(self, text: str) -> Node | None:
        try:
            return compose(text)
        except ComposeError as exc:
            if exc.problem == NO_LIBYAML:
                raise StackFileError(self.path, NO_LIBYAML) from None
            problem, line = exc.problem, exc.line
            hint = ""
            rows = text.splitlines()
            tab = line is not None and 0 < line <= len(rows) and "\t" in rows[line - 1]
            if (
                "\t" in problem
                or "'\\t'" in problem
                or (tab and "cannot start any token" in problem)
                or "tab character" in problem
            ):
                hint = ": indent with spaces, YAML does not allow TAB characters"
            elif "quoted scalar" in exc.context:
                problem = f"{exc.context}, {problem}"
                hint = ": close the quote"
            elif "mapping values are not allowed" in problem:
                hint = ": put the value in quotes when it holds ': ', else fix the indentation"
            elif problem.startswith(("did not find expected key", "could not find expected ':'")):
                hint = ": check the indentation of this line and of the one before it"
            message = f"invalid YAML: {problem}{hint}"
            if line and self.quote:
                message = _in_function(text, line, message)
            raise StackFileError(self.path, message, line) from None

    # -- top level -------------------------------------------------------------------------

    def stack(self, root: Node | None) -> StackFile:
        if root is None or is_null(root):
            raise StackFileError(self.path, "the stack file is empty: add 'provider:' and 'functions:'")
        top = self.mapping(root, "the stack file")
        self.check_keys(top, _TOP_KEYS, "at the top level")
        provider = self.provider(top.get("provider"))
        version = self.scalar(top["version"][1], "version") if "version" in top else ""
        if version and version not in SUPPORTED_VERSIONS:
            raise self.error(
                top["version"][1],
                f"{list(SUPPORTED_VERSIONS)} are the only valid versions for the stack file - "
                f"found: {version}: write 'version: 1.0' or remove the line",
            )
        functions = self.functions(top.get("functions"))
        configuration = self.configuration(top.get("configuration"))
        return StackFile(self.path, provider, functions, version, configuration, tuple(self.warnings))

    def provider(self, entry: tuple[Scalar, Node] | None) -> Provider:
        if entry is None or is_null(entry[1]):
            raise StackFileError(self.path, "no 'provider:' section: add 'provider:\\n  name: openfaas'")
        node = entry[1]
        keys = self.mapping(node, "provider")
        self.check_keys(keys, _PROVIDER_KEYS, "in 'provider'")
        name = self.scalar(keys["name"][1], "provider.name") if "name" in keys else ""
        where = keys["name"][1] if "name" in keys else node
        if name == "faas":
            self.warn(where, "provider.name 'faas' is deprecated: change it to 'openfaas'")
        elif name != "openfaas":
            raise self.error(
                where,
                "['openfaas'] is the only valid \"provider.name\" for the OpenFaaS CLI, "
                f"but you gave: {name or '(nothing)'}: change it to 'openfaas'",
            )
        gateway = self.scalar(keys["gateway"][1], "provider.gateway") if "gateway" in keys else ""
        return Provider(name=name, gateway=gateway)

    def functions(self, entry: tuple[Scalar, Node] | None) -> dict[str, Function]:
        if entry is None or is_null(entry[1]):
            raise StackFileError(self.path, "no functions: add a 'functions:' section")
        result: dict[str, Function] = {}
        items = self.mapping(entry[1], "functions")
        if not items:
            raise self.error(entry[1], "no functions: add one under 'functions:'")
        for name, (key_node, node) in items.items():
            if not name:
                raise self.error(key_node, "a function has an empty name")
            result[name] = self.function(name, key_node, node)
        return result

    def function(self, name: str, key_node: Scalar, node: Node) -> Function:
        what = f"function '{name}'"
        keys = self.mapping(node, what) if not is_null(node) else {}
        self.check_keys(keys, _FUNCTION_KEYS, f"in {what}")

        def get(key: str, read: Callable[[Node, str], T], default: T) -> T:
            return read(keys[key][1], f"{what}: '{key}'") if key in keys else default

        if "environment_file" in keys:
            self.env_file_lines[name] = keys["environment_file"][1].line
        readers: dict[str, Callable[[Node, str], object]] = {
            "str": self.scalar,
            "bool": self.boolean,
            "tuple[str, ...]": self.string_list,
            "tuple[str, ...] | None": self.string_list,
            "Mapping[str, str]": self.string_map,
            "FunctionResources | None": self.resources,
        }
        # Each field is read by its type (`lang` first, so its error still comes before `image`'s).
        schema = sorted(
            (f for f in fields(Function) if f.name not in ("name", "line")), key=lambda f: f.name != "lang"
        )
        values = {f.name: get(f.name, readers[str(f.type)], _default(f)) for f in schema}
        if values["lang"] == "Dockerfile":
            values["lang"] = "dockerfile"
        return Function(name=name, line=key_node.line, **values)  # type: ignore[arg-type]

    def configuration(self, entry: tuple[Scalar, Node] | None) -> StackConfiguration:
        if entry is None or is_null(entry[1]):
            return StackConfiguration()
        keys = self.mapping(entry[1], "configuration")
        templates: list[TemplateSource] = []
        if "templates" in keys and not is_null(keys["templates"][1]):
            node = keys["templates"][1]
            if not isinstance(node, Sequence):
                raise self.error(node, "configuration.templates must be a list of {name, source}")
            for item in node.content:
                if is_null(item):
                    continue
                fields = self.mapping(item, "a configuration.templates entry")
                templates.append(
                    TemplateSource(
                        name=self.scalar(fields["name"][1], "name") if "name" in fields else "",
                        source=self.scalar(fields["source"][1], "source") if "source" in fields else "",
                    )
                )
        copy = self.string_list(keys["copy"][1], "configuration.copy") if "copy" in keys else ()
        return StackConfiguration(tuple(templates), copy)

    # -- environment files, read after the functions are selected, as faas-cli does --------------

    def with_environment_files(self, stack: StackFile, project: Path | None) -> StackFile:
        if not any(fn.environment_file for fn in stack.functions.values()):
            return stack
        functions = dict(stack.functions)
        for name in sorted(functions):  # faas-cli generate's order: the first error is the same
            fn = functions[name]
            if not fn.environment_file:
                continue
            merged = dict(fn.environment)
            for relative in fn.environment_file:
                merged.update(self.environment_file(relative, fn, project))
            functions[name] = replace(fn, environment=merged)
        return replace(stack, functions=functions)

    def environment_file(self, relative: str, fn: Function, project: Path | None) -> dict[str, str]:
        # faas-cli reads these relative to the working directory; we anchor them at the stack
        # file's folder so `pulumi up` gives the same result from any directory.
        env_path = self.path.parent / relative
        where = f"function '{fn.name}': environment_file '{relative}'"
        line = self.env_file_lines.get(fn.name, fn.line)
        if project is not None and not _inside(env_path, project):
            raise StackFileError(
                self.path,
                f"{where} is outside the project folder {project}, so it is not read: move it into "
                "the project, or copy its values into 'environment'",
                line,
            )
        try:
            text = read_limited(env_path, ENVIRONMENT_FILE_LIMIT)
        except FileNotFoundError:
            raise StackFileError(
                self.path,
                f"{where} not found (looked for {env_path}): create it or remove it from the list",
                line,
            ) from None
        except FileProblem as problem:
            raise StackFileError(
                self.path, f"{where} ({env_path}) {problem}: point it at a YAML file", line
            ) from None
        reader = _Reader(env_path, quote=False)
        try:
            root = reader.compose(text)
            if root is None or is_null(root):
                return {}
            keys = reader.mapping(root, "an environment_file")
            if "environment" not in keys:
                return {}
            return reader.string_map(keys["environment"][1], "environment")
        except StackFileError as exc:
            raise StackFileError(
                exc.path, f"environment_file of function '{fn.name}': {exc.message}", exc.line
            ) from None

    # -- schema helpers: limits/requests, unknown keys ----------------------------------------

    def resources(self, node: Node, what: str) -> FunctionResources:
        keys = self.mapping(node, what) if not is_null(node) else {}
        self.check_keys(keys, _RESOURCE_KEYS, f"in {what}")
        return FunctionResources(
            memory=self.scalar(keys["memory"][1], f"{what}.memory") if "memory" in keys else "",
            cpu=self.scalar(keys["cpu"][1], f"{what}.cpu") if "cpu" in keys else "",
        )

    def check_keys(self, keys: Mapping[str, tuple[Scalar, Node]], known: tuple[str, ...], where: str) -> None:
        for key, (key_node, _) in keys.items():
            if key in known:
                continue
            if key in _REMOVED_KEYS:
                self.warn(key_node, f"'{key}' {where} is {_REMOVED_KEYS[key]}; it is ignored")
                continue
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
            if close:
                self.warn(key_node, f"unknown key '{key}' {where} is ignored: did you mean '{close[0]}'?")


_BLOCK_KEY = re.compile(r"^( +)([^\s#'\"][^:]*?|'[^']*'|\"[^\"]*\")\s*:(?:\s|$)")


def _in_function(text: str, line: int, message: str) -> str:
    """`message`, prefixed with the function whose block holds `line` of the raw stack file.

    For errors found before the YAML is parsed (`${...}`, YAML syntax), from the indentation
    of the lines under the top-level `functions:` key; unchanged outside any function.
    """
    name, indent, in_functions = "", -1, False
    for row in text.splitlines()[:line]:
        if not row.strip() or row.lstrip().startswith("#"):
            continue
        if not row[0].isspace():
            in_functions, name, indent = row.startswith("functions:"), "", -1
            continue
        match = _BLOCK_KEY.match(row) if in_functions else None
        if match is None:
            continue
        if indent < 0:
            indent = len(match.group(1))
        if len(match.group(1)) == indent:
            name = match.group(2).strip("'\"")
    return f"function '{name}': {message}" if name else message
