"""The layout's rules that `lint-imports` (pyproject.toml) cannot state: config is read at the
program's entry only, and the component's code reads none."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
CONFIG_READERS = frozenset({"Config", "get_config", "is_config_secret", "require_secret", "get_secret"})


def config_reads(module: str) -> list[str]:
    """`pulumi.Config`, `pulumi.runtime.get_config` and the like, as `module` names them."""
    path = ROOT.joinpath(*module.split("."))
    source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    found = []
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in CONFIG_READERS:
            found.append(f"{module}:{node.lineno}: {node.attr}")
        elif isinstance(node, ast.Name) and node.id in CONFIG_READERS:
            found.append(f"{module}:{node.lineno}: {node.id}")
    return found


def test_nothing_the_component_imports_reads_pulumi_config() -> None:
    graph = grimp.build_graph("components", cache_dir=None)
    imported = graph.find_upstream_modules("components.openfaas_stack") | {"components.openfaas_stack"}
    assert "components.config" not in imported
    assert [read for module in sorted(imported) for read in config_reads(module)] == []


def test_config_is_read_by_the_entry_module_and_components_config_only() -> None:
    graph = grimp.build_graph("components", cache_dir=None)
    readers = sorted(module for module in graph.modules if config_reads(module))
    assert readers == ["components.config"]
    # it reads values only; the component checks them, whatever language they come from
    assert graph.find_upstream_modules("components.config", as_package=False) == {"components.stack_args"}
    importers = graph.find_modules_that_directly_import("components.config")
    assert importers == set()  # outside the package, `__main__.py` alone imports it
    main = ast.parse((ROOT / "__main__.py").read_text(encoding="utf-8"))
    assert any(isinstance(n, ast.ImportFrom) and n.module == "components.config" for n in ast.walk(main))
