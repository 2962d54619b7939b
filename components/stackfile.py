"""The OpenFaaS stack file (`stack.yaml`), read as faas-cli reads it.

Field names and rules follow openfaas/go-sdk `stack/schema.go` and `stack/stack.go`: `${VAR}`
substitution over the raw text before parsing, scalars kept as their raw text (as Go's yaml.v3
decodes them into strings), duplicate keys rejected, unknown keys ignored. Where this module is
stricter or friendlier than faas-cli it says so. It knows nothing of Pulumi.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from components.envsubst import SubstitutionError, substitute

SUPPORTED_VERSIONS = ("1.0",)
DEFAULT_STACK_FILES = ("stack.yaml", "stack.yml")
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"}
_FALSE = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"}

T = TypeVar("T")


class StackFileError(ValueError):
    """A stack file that cannot be used, with the file, the line and what to change."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


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


@dataclass(frozen=True)
class StackFile:
    """A parsed stack file. `warnings` are things a user should fix that faas-cli accepts."""

    path: Path
    provider: Provider
    functions: Mapping[str, Function]
    version: str = ""
    configuration: StackConfiguration = StackConfiguration()
    warnings: tuple[str, ...] = ()


_FUNCTION_KEYS = (
    "lang", "handler", "image", "fprocess", "environment", "environment_file", "secrets",
    "skip_build", "constraints", "labels", "annotations", "limits", "requests",
    "readonly_root_filesystem", "namespace", "build_options", "build_args", "build_secrets",
    "platforms",
)  # fmt: skip
_REMOVED_KEYS = {
    "network": "a Docker Swarm key faas-cli removed in 2021",
    "registry_auth": "a Docker Swarm key faas-cli removed in 2021",
}
_TOP_KEYS = ("version", "provider", "functions", "configuration")
_PROVIDER_KEYS = ("name", "gateway")
_RESOURCE_KEYS = ("memory", "cpu")


def default_stack_path(directory: Path | str = ".") -> Path:
    """`stack.yaml` if it exists, else `stack.yml`, as faas-cli picks its default file."""
    folder = Path(directory)
    for name in DEFAULT_STACK_FILES:
        if (folder / name).exists():
            return folder / name
    return folder / DEFAULT_STACK_FILES[0]


def load_stack(path: Path | str, *, env: Mapping[str, str] | None = None) -> StackFile:
    """Read and check a stack file; `env` (default: the process environment) feeds `${VAR}`."""
    stack_path = Path(path)
    try:
        raw = stack_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        other = stack_path.parent / DEFAULT_STACK_FILES[1]
        looked = f" (nor {other.name} next to it)" if stack_path.name == DEFAULT_STACK_FILES[0] else ""
        raise StackFileError(
            stack_path,
            f"stack file not found{looked}: create it, or point the 'stackFile' config at yours "
            "with `pulumi config set stackFile <path, relative to the project>`",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StackFileError(stack_path, f"cannot read the stack file: {exc}") from None
    return parse_stack(raw, stack_path, env=os.environ if env is None else env)


def parse_stack(text: str, path: Path, *, env: Mapping[str, str]) -> StackFile:
    """Parse stack-file text; `path` names it in errors and anchors `environment_file`."""
    try:
        text = substitute(text, env)
    except SubstitutionError as exc:
        line = text.count("\n", 0, exc.offset) + 1
        raise StackFileError(path, _in_function(text, line, str(exc)), line) from None
    reader = _Reader(path)
    root = reader.compose(text)
    return reader.stack(root)


def select_functions(stack: StackFile, *, filter: str = "", regex: str = "") -> StackFile:
    """Keep the functions matching faas-cli's `--filter` glob or `--regex` (unanchored)."""
    if filter and regex:
        raise StackFileError(stack.path, "set either 'filter' or 'regex' in config, not both")
    if not filter and not regex:
        return stack
    if regex:
        try:
            pattern = re.compile(regex)
        except re.error as exc:
            raise StackFileError(stack.path, f"the 'regex' config {regex!r} is invalid: {exc}") from None
        kept = {n: f for n, f in stack.functions.items() if pattern.search(n)}
    else:
        kept = {n: f for n, f in stack.functions.items() if fnmatch.fnmatchcase(n, filter)}
    if not kept:
        raise StackFileError(
            stack.path,
            f"no functions matching --filter/--regex were found in the YAML file "
            f"({'regex ' + repr(regex) if regex else 'filter ' + repr(filter)}; "
            f"functions: {', '.join(sorted(stack.functions)) or 'none'}): change the "
            f"'{'regex' if regex else 'filter'}' config, or remove it with "
            f"`pulumi config rm {'regex' if regex else 'filter'}`",
        )
    return StackFile(stack.path, stack.provider, kept, stack.version, stack.configuration, stack.warnings)


class _Loader(yaml.BaseLoader):
    """Composes nodes only; every scalar stays text, as yaml.v3 gives a Go string field."""


class _Reader:
    """Turns the YAML node tree into the model, with a file:line for every complaint."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.warnings: list[str] = []

    def error(self, node: Node | None, message: str) -> StackFileError:
        line = node.start_mark.line + 1 if node is not None else None
        return StackFileError(self.path, message, line)

    def warn(self, node: Node, message: str) -> None:
        self.warnings.append(f"{self.path}:{node.start_mark.line + 1}: {message}")

    def compose(self, text: str) -> Node | None:
        try:
            return yaml.compose(text, Loader=_Loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or "invalid YAML"
            hint = ""
            if "\t" in problem or "'\\t'" in problem:
                hint = ": indent with spaces, YAML does not allow TAB characters"
            elif exc.context and "quoted scalar" in exc.context and exc.context_mark:
                mark, problem = exc.context_mark, f"{exc.context}, {problem}"
                hint = ": close the quote"
            elif "mapping values are not allowed" in problem:
                hint = ": put the value in quotes when it holds ': ', else fix the indentation"
            elif problem.startswith(("expected <block end>", "could not find expected ':'")):
                hint = ": check the indentation of this line and of the one before it"
            line = mark.line + 1 if mark else None
            message = f"invalid YAML: {problem}{hint}"
            raise StackFileError(
                self.path, _in_function(text, line, message) if line else message, line
            ) from None
        except yaml.YAMLError as exc:
            raise StackFileError(self.path, f"invalid YAML: {exc}") from None

    # -- top level -------------------------------------------------------------------------

    def stack(self, root: Node | None) -> StackFile:
        if root is None or _is_null(root):
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

    def provider(self, entry: tuple[ScalarNode, Node] | None) -> Provider:
        if entry is None:
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

    def functions(self, entry: tuple[ScalarNode, Node] | None) -> dict[str, Function]:
        if entry is None or _is_null(entry[1]):
            raise StackFileError(self.path, "no functions: add a 'functions:' section")
        result: dict[str, Function] = {}
        for name, (key_node, node) in self.mapping(entry[1], "functions").items():
            if not name:
                raise self.error(key_node, "a function has an empty name")
            result[name] = self.function(name, key_node, node)
        return result

    def function(self, name: str, key_node: ScalarNode, node: Node) -> Function:
        what = f"function '{name}'"
        keys = self.mapping(node, what) if not _is_null(node) else {}
        self.check_keys(keys, _FUNCTION_KEYS, f"in {what}")

        def get(key: str, read: Callable[[Node, str], T], default: T) -> T:
            return read(keys[key][1], f"{what}: '{key}'") if key in keys else default

        environment: dict[str, str] = get("environment", self.string_map, {})
        env_files: tuple[str, ...] = get("environment_file", self.string_list, ())
        merged = dict(environment)
        for env_file in env_files:
            merged.update(self.environment_file(env_file, keys["environment_file"][1], name))
        return Function(
            name=name,
            line=key_node.start_mark.line + 1,
            image=get("image", self.scalar, ""),
            lang=get("lang", self.scalar, ""),
            handler=get("handler", self.scalar, ""),
            fprocess=get("fprocess", self.scalar, ""),
            environment=merged,
            environment_file=env_files,
            secrets=get("secrets", self.string_list, ()),
            labels=get("labels", self.string_map, {}),
            annotations=get("annotations", self.string_map, {}),
            constraints=get("constraints", self.string_list, None),
            limits=get("limits", self.resources, None),
            requests=get("requests", self.resources, None),
            readonly_root_filesystem=get("readonly_root_filesystem", self.boolean, False),
            namespace=get("namespace", self.scalar, ""),
            skip_build=get("skip_build", self.boolean, False),
            build_options=get("build_options", self.string_list, ()),
            build_args=get("build_args", self.string_map, {}),
            build_secrets=get("build_secrets", self.string_map, {}),
            platforms=get("platforms", self.scalar, ""),
        )

    def configuration(self, entry: tuple[ScalarNode, Node] | None) -> StackConfiguration:
        if entry is None or _is_null(entry[1]):
            return StackConfiguration()
        keys = self.mapping(entry[1], "configuration")
        templates: list[TemplateSource] = []
        if "templates" in keys and not _is_null(keys["templates"][1]):
            node = keys["templates"][1]
            if not isinstance(node, SequenceNode):
                raise self.error(node, "configuration.templates must be a list of {name, source}")
            for item in node.value:
                fields = self.mapping(item, "a configuration.templates entry")
                templates.append(
                    TemplateSource(
                        name=self.scalar(fields["name"][1], "name") if "name" in fields else "",
                        source=self.scalar(fields["source"][1], "source") if "source" in fields else "",
                    )
                )
        copy = self.string_list(keys["copy"][1], "configuration.copy") if "copy" in keys else ()
        return StackConfiguration(tuple(templates), copy)

    def environment_file(self, relative: str, node: Node, function: str) -> dict[str, str]:
        # faas-cli reads these relative to the working directory; we anchor them at the stack
        # file's folder so `pulumi up` gives the same result from any directory.
        env_path = self.path.parent / relative
        try:
            text = env_path.read_text(encoding="utf-8")
        except OSError:
            raise self.error(
                node,
                f"function '{function}': environment_file '{relative}' not found "
                f"(looked for {env_path}): create it or remove it from the list",
            ) from None
        reader = _Reader(env_path)
        try:
            root = reader.compose(text)
            if root is None or _is_null(root):
                return {}
            keys = reader.mapping(root, "an environment_file")
            if "environment" not in keys:
                return {}
            return reader.string_map(keys["environment"][1], "environment")
        except StackFileError as exc:
            raise StackFileError(
                exc.path, f"environment_file of function '{function}': {exc.message}", exc.line
            ) from None

    # -- typed readers ---------------------------------------------------------------------

    def mapping(self, node: Node, what: str) -> dict[str, tuple[ScalarNode, Node]]:
        if not isinstance(node, MappingNode):
            fix = "remove the '- '" if isinstance(node, SequenceNode) else "write them indented below it"
            raise self.error(
                node, f"{what} must be a mapping of 'key: value' lines, not {_kind(node)}: {fix}"
            )
        result: dict[str, tuple[ScalarNode, Node]] = {}
        merged: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.style is None and key_node.value == "<<":
                merged.extend(self.merged_pairs(value_node, what))
                continue
            if not isinstance(key_node, ScalarNode):
                raise self.error(key_node, f"{what} has a key that is not a plain string")
            key = key_node.value
            if key in result:
                first = result[key][0].start_mark.line + 1
                raise self.error(
                    key_node,
                    f'mapping key "{key}" already defined at line {first} ({what}): '
                    "remove or rename one of them",
                )
            result[key] = (key_node, value_node)
        for key_node, value_node in merged:  # `<<: *anchor`: the mapping's own keys win
            if isinstance(key_node, ScalarNode):
                result.setdefault(key_node.value, (key_node, value_node))
        return result

    def merged_pairs(self, value: Node, what: str) -> list[tuple[Node, Node]]:
        """The pairs a `<<` merge key brings in: earlier sources win, as in YAML 1.1."""
        sources = value.value if isinstance(value, SequenceNode) else [value]
        pairs: list[tuple[Node, Node]] = []
        for source in sources:
            pairs.extend(self.mapping(source, what).values())
        return pairs

    def scalar(self, node: Node, what: str) -> str:
        if isinstance(node, ScalarNode):
            return "" if _is_null(node) else str(node.value)
        fix = "remove the '- '" if isinstance(node, SequenceNode) else "give it one value on its own line"
        raise self.error(node, f"{what} must be a single value, not {_kind(node)}: {fix}")

    def boolean(self, node: Node, what: str) -> bool:
        text = self.scalar(node, what)
        if text in _TRUE:
            return True
        if text in _FALSE or text == "":
            return False
        raise self.error(node, f"{what} must be true or false, not {text!r}")

    def string_list(self, node: Node, what: str) -> tuple[str, ...]:
        if _is_null(node):
            return ()
        if not isinstance(node, SequenceNode):
            hint = ""
            if isinstance(node, ScalarNode):
                hint = f": write it as a list, e.g.\n  - {node.value}"
            raise self.error(node, f"{what} must be a list, not {_kind(node)}{hint}")
        return tuple(self.scalar(item, f"{what} item") for item in node.value)

    def string_map(self, node: Node, what: str) -> dict[str, str]:
        if _is_null(node):
            return {}
        if isinstance(node, SequenceNode):
            raise self.error(
                node, f"{what} must be a mapping ('KEY: value' lines), not a list: remove the '- '"
            )
        return {k: self.scalar(v, f"{what}.{k}") for k, (_, v) in self.mapping(node, what).items()}

    def resources(self, node: Node, what: str) -> FunctionResources:
        keys = self.mapping(node, what) if not _is_null(node) else {}
        self.check_keys(keys, _RESOURCE_KEYS, f"in {what}")
        return FunctionResources(
            memory=self.scalar(keys["memory"][1], f"{what}.memory") if "memory" in keys else "",
            cpu=self.scalar(keys["cpu"][1], f"{what}.cpu") if "cpu" in keys else "",
        )

    def check_keys(
        self, keys: Mapping[str, tuple[ScalarNode, Node]], known: tuple[str, ...], where: str
    ) -> None:
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


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.style is None and node.value in _NULLS


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return f"the value {node.value!r}"
