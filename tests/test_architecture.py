"""The three floors, checked on the source: the kernel imports nothing else of the
project, extract and evals stand side by side on it (evals reaches extraction only
through the names ``claims.extract`` exports), the CLI is imported by nothing, no
import cycle, no library module prints or parses argv, and every third-party package
imported is declared in pyproject.toml."""

from __future__ import annotations

import ast
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
FLOORS = ("kernel", "extract", "evals", "cli")


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(["claims", *parts]) if parts[0] != "claims" else ".".join(parts)


def modules() -> dict[str, Path]:
    out = {}
    for floor in (*FLOORS, "claims"):
        for p in sorted((ROOT / floor).rglob("*.py")):
            out[module_name(p)] = p
    return out


MODULES = modules()


def imports_of(path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names imported from it, line) for every import, function-level included."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join([*base, mod] if mod else base)
            out.append((mod, [a.name for a in node.names], node.lineno))
    return out


def project_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for m, p in MODULES.items():
        for mod, names, _ in imports_of(p):
            if not mod.startswith("claims"):
                continue
            targets = [f"{mod}.{n}" for n in names if f"{mod}.{n}" in MODULES] or [mod]
            edges[m].update(t for t in targets if t in MODULES and t != m)
    return edges


def floor_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FLOORS else "root"


def test_the_floors_are_where_a_newcomer_looks():
    for folder in (*FLOORS, "claims", "prompts", "gold", "tests", "benchmarks"):
        assert (ROOT / folder).is_dir(), folder
    assert (ROOT / "kernel" / "rundir.py").is_file() and (ROOT / "kernel" / "settings.py").is_file()


def test_no_import_runs_down_a_floor_or_sideways():
    import claims.extract

    exported = set(claims.extract.__all__)
    problems = []
    for m, p in MODULES.items():
        here = floor_of(m)
        for mod, names, line in imports_of(p):
            if not mod.startswith("claims.") or mod == "claims.kernel.version":
                continue
            there = floor_of(mod)
            where = f"{p.relative_to(ROOT)}:{line}: {mod}"
            if there == "cli" and here != "cli":
                problems.append(f"{where}: nothing imports the CLI")
            elif here == "kernel" and there != "kernel":
                problems.append(f"{where}: the kernel imports nothing else of the project")
            elif here == "extract" and there not in ("kernel", "extract"):
                problems.append(f"{where}: extract stands on the kernel only")
            elif here == "evals" and there == "extract":
                if mod != "claims.extract" or not set(names) <= exported:
                    problems.append(f"{where}: evals reaches extraction only through claims.extract's exports")
            elif here == "evals" and there not in ("kernel", "evals"):
                problems.append(f"{where}: evals stands on the kernel (and claims.extract's exports)")
    assert not problems, "\n".join(problems)


def test_no_import_cycle():
    edges = project_edges()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(edges[m]):
            # a package's __init__ that re-exports its own modules lazily is not a cycle
            if state.get(n) == 1 and not m.startswith(n + "."):
                cycles.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_library_code_neither_prints_nor_parses_argv():
    problems = []
    for m, p in MODULES.items():
        if floor_of(m) not in ("kernel", "extract", "evals"):
            continue
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("print", "input"):
                problems.append(f"{p.relative_to(ROOT)}:{node.lineno}: {node.func.id}()")
            if isinstance(node, ast.Attribute) and node.attr in ("stdout", "stderr", "argv") and isinstance(node.value, ast.Name) and node.value.id == "sys":
                problems.append(f"{p.relative_to(ROOT)}:{node.lineno}: sys.{node.attr}")
        for mod, _, line in imports_of(p):
            if mod in ("argparse", "typer", "click"):
                problems.append(f"{p.relative_to(ROOT)}:{line}: imports {mod}")
    assert not problems, "\n".join(problems)


def _declared() -> set[str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(meta["dependencies"]) + [r for extra in meta.get("optional-dependencies", {}).values() for r in extra]
    names = set()
    for r in reqs:
        name = r.split(";")[0].split("[")[0]
        for sep in "<>=!~ ":
            name = name.split(sep)[0]
        names.add(name.strip().lower().replace("_", "-"))
    return names


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib")
def test_every_imported_package_is_declared():
    declared = _declared()
    dists = packages_distributions()
    stdlib = sys.stdlib_module_names
    missing = set()
    for p in MODULES.values():
        for mod, _, line in imports_of(p):
            top = mod.split(".")[0]
            if not top or top in stdlib or top == "claims" or top == "__future__":
                continue
            owners = {d.lower().replace("_", "-") for d in dists.get(top, [top])}
            if not owners & declared:
                missing.add(f"{top} ({', '.join(sorted(owners))}) first at {p.relative_to(ROOT)}:{line}")
    assert not missing, "imported but not declared in pyproject.toml:\n" + "\n".join(sorted(missing))
