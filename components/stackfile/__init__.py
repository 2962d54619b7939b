"""Stage 1: the OpenFaaS stack file (`stack.yaml`), read as faas-cli reads it. Knows nothing of Pulumi.

Field names and rules follow openfaas/go-sdk `stack/schema.go` and `stack/stack.go` and faas-cli's
`deploy`/`generate`, checked against a real faas-cli by `tests/differential/`. The data path:
`envsubst` (`${VAR}` over the raw text) -> `skim` (a large section nothing reads, left out) ->
`yamltree` (the node tree, as yaml.v3 composes it) ->
`yamlnodes` (typed reads of nodes) -> `reader` (what each key means) -> `schema` (the model);
`loader` runs them and selects functions by `filter`/`regex`; `files` reads what a stack file names.
"""

from components.errors import StackFileError
from components.stackfile.loader import glob_match, load_stack, parse_stack, select_functions
from components.stackfile.schema import (
    DEFAULT_STACK_FILES,
    ENVIRONMENT_FILE_LIMIT,
    STACK_FILE_LIMIT,
    SUPPORTED_VERSIONS,
    Function,
    FunctionResources,
    Provider,
    StackConfiguration,
    StackFile,
    TemplateSource,
    default_stack_path,
    image_reference,
)

__all__ = [
    "DEFAULT_STACK_FILES",
    "ENVIRONMENT_FILE_LIMIT",
    "STACK_FILE_LIMIT",
    "SUPPORTED_VERSIONS",
    "Function",
    "FunctionResources",
    "Provider",
    "StackConfiguration",
    "StackFile",
    "StackFileError",
    "TemplateSource",
    "default_stack_path",
    "glob_match",
    "image_reference",
    "load_stack",
    "parse_stack",
    "select_functions",
]
