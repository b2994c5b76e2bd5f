"""The house rules, checked by walking every import of the package (module level and inside functions).

Layers point down: cli -> present -> synthesis -> meta + tables; the record library stands alone;
extractors depend on the library, never the reverse; nothing imports upward, no import cycles, no
``except ImportError`` around the project's own modules, no module over 600 lines.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from testpaths import ROOT

PACKAGES = ("evidence", "extractors")
FLOOR = {"errors", "paths"}  # hairmeta.evidence.errors / .paths: imported by any layer
#: layer -> the layers it may import (besides itself and the floor)
ALLOWED = {
    "library": set(),
    "tables": set(),
    "meta": set(),
    "synthesis": {"meta", "tables"},
    "present": {"synthesis", "meta", "tables", "library"},
    "cli": {"present", "synthesis", "meta", "tables", "library", "extractors"},
    "extractors": {"library"},
}
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["hairmeta", *parts])


def package_files() -> list[Path]:
    files = [ROOT / "cli.py", ROOT / "__init__.py"]
    for package in PACKAGES:
        files += sorted((ROOT / package).rglob("*.py"))
    return files


def layer(module: str) -> str:
    """``hairmeta.evidence.meta.pooling`` -> ``meta``; the floor and the top-level modules -> ``floor``."""
    parts = module.split(".")
    if len(parts) < 2:
        return "top"
    if parts[1] == "extractors":
        return "extractors"
    if parts[1] == "evidence" and len(parts) > 2 and parts[2] not in FLOOR:
        return parts[2]
    return "floor" if parts[1] == "evidence" else "top"


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every ``hairmeta`` module ``path`` imports, anywhere in the file, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hairmeta"):
            for alias in node.names:  # ``from hairmeta.x import y`` may name the submodule y
                sub = f"{node.module}.{alias.name}"
                found.append((node.lineno, sub if is_module(sub) else node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("hairmeta")]
    return found


def is_module(name: str) -> bool:
    rel = Path(*name.split(".")[1:])
    return (ROOT / rel).with_suffix(".py").exists() or (ROOT / rel / "__init__.py").exists()


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for path in package_files():
        for _, target in imports_of(path):
            edges[module_name(path)].add(target)
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the import graph (as a list of modules), or None.  Packages' ``__init__`` that only
    re-export are nodes like any other."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycles():
    assert find_cycle(graph()) is None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_layers_only_import_downwards():
    wrong = []
    for path in package_files():
        source = layer(module_name(path))
        if source == "top":
            continue
        allowed = ALLOWED.get(source, set()) | {source, "floor"}
        for line, target in imports_of(path):
            if layer(target) not in allowed:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {source} imports {target}")
    assert wrong == []


def test_no_import_guards_around_our_own_modules():
    """``except ImportError`` around a hairmeta import hides a broken install as quietly wrong output.
    The one exception is the source registry (:data:`hairmeta.extractors.base.SOURCE_MODULES`), which
    imports a source module by name on demand and reports one that is registered but missing."""
    guarded = []
    for path in package_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Try):
                continue
            catches = {ast.unparse(h.type) for h in node.handlers if h.type is not None}
            if not catches & {"ImportError", "ModuleNotFoundError"}:
                continue
            body = ast.Module(body=node.body, type_ignores=[])
            if any(
                isinstance(n, ast.ImportFrom)
                and (n.module or "").startswith("hairmeta")
                or isinstance(n, ast.Import)
                and any(a.name.startswith("hairmeta") for a in n.names)
                for n in ast.walk(body)
            ):
                guarded.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert guarded == []


def test_no_module_over_600_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in package_files()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_every_subpackage_is_installed():
    """pyproject lists the packages by hand (the repository root is the package): none may be missed."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    # the package's own folders only: a checkout may hold a .venv, build/ or other projects' packages
    inits = [ROOT / "__init__.py", ROOT / "data" / "__init__.py"]
    inits += [p for package in PACKAGES for p in (ROOT / package).rglob("__init__.py")]
    assert {module_name(p) for p in inits if p.exists()} == listed


HEAVY = ("matplotlib", "scipy", "statsmodels", "hairmeta.evidence.meta.pooling", "hairmeta.evidence.meta.estimators")


@pytest.mark.slow
@pytest.mark.parametrize(
    "argv, also_absent",
    [
        (["--help"], ("pandas", "numpy", "rapidfuzz")),
        (["records"], ()),
        (["outcomes", "list", "--study", "hassan2024"], ()),
        (["screen", "--record", "1", "--include"], ()),
    ],
)
def test_light_commands_import_no_statistics_or_plotting(tmp_path, argv, also_absent):
    """Start-up time (issue 15): ``--help``, ``records``, ``screen`` and ``outcomes list`` never load the
    statistics stack or matplotlib; ``--help`` not even pandas."""
    code = (
        "import sys, json; from hairmeta.cli import app\n"
        "from typer.testing import CliRunner\n"
        f"CliRunner().invoke(app, {argv!r})\n"
        f"print(json.dumps(sorted(m for m in {HEAVY + also_absent!r} if m in sys.modules)))"
    )
    env = {**os.environ, "HAIRMETA_HOME": str(tmp_path / "home"), "HAIRMETA_DB": str(tmp_path / "lib.sqlite")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip().splitlines()[-1] == "[]"
