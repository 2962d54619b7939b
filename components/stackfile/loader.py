"""Load a stack file: read it (bounded), substitute `${VAR}`, read the YAML into the schema, keep
the functions `filter`/`regex` select, then merge each `environment_file`.

`${VAR}` runs over the raw text before parsing (drone/envsubst, `envsubst`); only the first YAML
document is read, as gopkg.in/yaml.v3 decodes it into go-sdk's types (`yamltree` composes the
nodes, `yamlnodes` reads them: scalars kept as their raw text, null keys and null list items
dropped, duplicate keys rejected, `<<` merges with the mapping's own keys first; unknown keys are
ignored); functions are selected before any `environment_file` is read. Where this package is
stricter or friendlier than faas-cli it says so (README, "Where we differ from faas-cli").
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from components.errors import StackFileError
from components.shared.files import FileProblem, read_limited
from components.stackfile.envsubst import SubstitutionError, substitute
from components.stackfile.files import is_inside
from components.stackfile.reader import StackReader, in_function
from components.stackfile.schema import DEFAULT_STACK_FILES, STACK_FILE_LIMIT, TOP_KEYS, StackFile


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
    if folder is not None and not is_inside(stack_path, folder):
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
        raise StackFileError(path, in_function(text, line, str(exc)), line) from None
    reader = StackReader(path)
    root = reader.compose(text, TOP_KEYS)
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
    from components.shared.regex import RegexError, compile_go_regex  # only with a regex (issue 23)

    try:
        pattern = compile_go_regex(regex)
    except RegexError as error:
        if error.missing_library:
            raise StackFileError(
                path,
                "the 'regex' config needs the google-re2 package (Go's regular expressions, as faas-cli "
                "uses): install it with `pip install -r requirements.txt`",
            ) from None
        raise StackFileError(
            path,
            f"the 'regex' config '{regex}' is not a valid Go (RE2) regular expression: {error.reason}: "
            "faas-cli's --regex has no backreferences or lookarounds; fix it or use 'filter'",
        ) from None
    return lambda name: pattern.search(name) is not None
