"""The YAML node tree turned into the stack file's model (`schema`): what each key means."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import fields, replace
from pathlib import Path

from components.errors import StackFileError
from components.shared.files import FileProblem, read_limited
from components.stackfile.files import is_inside
from components.stackfile.schema import (
    ENVIRONMENT_FILE_LIMIT,
    FUNCTION_KEYS,
    PROVIDER_KEYS,
    REMOVED_KEYS,
    RESOURCE_KEYS,
    SUPPORTED_VERSIONS,
    TOP_KEYS,
    Function,
    FunctionResources,
    Provider,
    StackConfiguration,
    StackFile,
    TemplateSource,
    field_default,
)
from components.stackfile.skim import skim
from components.stackfile.yamlnodes import NodeReader
from components.stackfile.yamltree import NO_LIBYAML, ComposeError, Node, Scalar, Sequence, compose, is_null

# `typing` only for the type checker: every process that reads a stack file imports this (issue 23)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")


class StackReader(NodeReader):
    """Turns the YAML node tree into the stack file's model: what each key means."""

    def __init__(self, path: Path, *, quote: bool = True) -> None:
        super().__init__(path, quote=quote)
        self.env_file_lines: dict[str, int] = {}

    def compose(self, text: str, read_keys: Collection[str]) -> Node | None:
        """The node tree of `text`; a large top-level section not in `read_keys` is only parsed."""
        try:
            skimmed = skim(text, read_keys)
            try:
                return compose(skimmed)
            except ComposeError:
                if skimmed is text:
                    raise
                return compose(text)  # the error as the whole text gives it
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
                message = in_function(text, line, message)
            raise StackFileError(self.path, message, line) from None

    # -- top level -------------------------------------------------------------------------

    def stack(self, root: Node | None) -> StackFile:
        if root is None or is_null(root):
            raise StackFileError(self.path, "the stack file is empty: add 'provider:' and 'functions:'")
        top = self.mapping(root, "the stack file")
        self.check_keys(top, TOP_KEYS, "at the top level")
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
        self.check_keys(keys, PROVIDER_KEYS, "in 'provider'")
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
        self.check_keys(keys, FUNCTION_KEYS, f"in {what}")

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
        values = {f.name: get(f.name, readers[str(f.type)], field_default(f)) for f in schema}
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
        if project is not None and not is_inside(env_path, project):
            raise StackFileError(
                self.path,
                f"{where} is outside the project folder {project}, so it is not read: move it into "
                "the project, or copy its values into 'environment'",
                line,
            )
        try:
            text = read_limited(env_path, ENVIRONMENT_FILE_LIMIT, utf16=True)
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
        reader = StackReader(env_path, quote=False)
        try:
            root = reader.compose(text, ("environment",))
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
        self.check_keys(keys, RESOURCE_KEYS, f"in {what}")
        return FunctionResources(
            memory=self.scalar(keys["memory"][1], f"{what}.memory") if "memory" in keys else "",
            cpu=self.scalar(keys["cpu"][1], f"{what}.cpu") if "cpu" in keys else "",
        )

    def check_keys(self, keys: Mapping[str, tuple[Scalar, Node]], known: tuple[str, ...], where: str) -> None:
        for key, (key_node, _) in keys.items():
            if key in known:
                continue
            if key in REMOVED_KEYS:
                self.warn(key_node, f"'{key}' {where} is {REMOVED_KEYS[key]}; it is ignored")
                continue
            if key.startswith("x-"):
                continue  # an extension key, by the convention of docker-compose files: no typo
            import difflib  # here: most stack files have no unknown key, and the import costs

            close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
            if close:
                self.warn(key_node, f"unknown key '{key}' {where} is ignored: did you mean '{close[0]}'?")


_BLOCK_KEY = re.compile(r"^( +)([^\s#'\"][^:]*?|'[^']*'|\"[^\"]*\")\s*:(?:\s|$)")


def in_function(text: str, line: int, message: str) -> str:
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
