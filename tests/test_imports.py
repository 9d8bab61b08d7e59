"""Imports run one way: the package's layers (the map in kaffee_site/__init__.py) and what each
folder's __init__.py says it may import, read from the source of every module, imports inside
functions and under TYPE_CHECKING included; and no module imports itself through others."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import kaffee_site

PACKAGE = Path(kaffee_site.__file__).parent
UNIT = r"[\w]+(?:\.py|/)"  # a module 'model.py' or a folder 'content/', as the docstrings name them


def _layers(doc: str) -> list[list[str]]:
    """The map's lines, lowest first, each the units named at its start."""
    return [re.findall(UNIT, match.group(1))
            for match in re.finditer(rf"^    ((?:{UNIT} ?)+)(?:\s{{2,}}|$)", doc, re.M)]


LAYERS = _layers(kaffee_site.__doc__ or "")
LAYER_OF = {unit: index for index, units in enumerate(LAYERS) for unit in units}
LAYER_OF["__init__.py"] = 0  # the package's own, __version__ alone: one of the base modules
BASE = frozenset([*LAYERS[0], "__init__.py"]) if LAYERS else frozenset()


def _unit(module: str) -> str:
    """The map's name of a module's unit: 'kaffee_site.content.parse' -> 'content/'."""
    parts = module.split(".")[1:]
    if not parts:
        return "__init__.py"
    return parts[0] + "/" if (PACKAGE / parts[0]).is_dir() else parts[0] + ".py"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path) -> dict[str, int]:
    """The package's modules this one imports, anywhere in it, each with the line of its first import."""
    found: dict[str, int] = {}
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[:len(package) - node.level + 1], *([base] if base else [])])
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for name in names:
            if name in MODULES and name != module:
                found.setdefault(name, node.lineno)
    return found


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _allowed(folder: str) -> set[str]:
    """The units a folder's __init__ docstring says it may import ('May import ... .')."""
    doc = ast.get_docstring(ast.parse((PACKAGE / folder / "__init__.py").read_text(encoding="utf-8"))) or ""
    sentence = re.search(r"[Mm]ay import (.*?)\.(?:\s|$)", " ".join(doc.split()))
    assert sentence, f"{folder}__init__.py does not say what it may import"
    named = set(re.findall(UNIT, sentence.group(1)))
    return named | (set(BASE) if "base modules" in sentence.group(1) else set())


def test_the_map_names_every_module_and_folder_once():
    units = [unit for units in LAYERS for unit in units]
    assert len(LAYERS) > 10 and "markdown/" in LAYER_OF
    assert len(units) == len(set(units))
    assert {_unit(module) for module in MODULES} - {"__init__.py"} == set(units)


@pytest.mark.parametrize("folder", sorted(unit for unit in LAYER_OF if unit.endswith("/") and unit not in BASE))
def test_a_folder_imports_only_what_its_docstring_allows_and_that_lies_above_it(folder: str):
    allowed = _allowed(folder)
    above = {unit for unit, layer in LAYER_OF.items() if layer < LAYER_OF[folder]}
    assert allowed <= above, f"{folder}__init__.py allows {sorted(allowed - above)}, which the map puts below it"
    wrong = [f"{MODULES[module]}:{line}: imports {target}" for module, targets in GRAPH.items()
             if _unit(module) == folder for target, line in targets.items()
             if _unit(target) not in allowed | {folder}]
    assert not wrong, "\n".join(wrong)


def test_no_module_imports_from_a_layer_below_its_own():
    wrong = [f"{MODULES[module]}:{line}: {_unit(module)} imports {target}"
             for module, targets in GRAPH.items() if module != "kaffee_site"
             for target, line in targets.items() if LAYER_OF[_unit(target)] > LAYER_OF[_unit(module)]]
    assert not wrong, "\n".join(wrong)


def _defined(path: Path) -> set[str]:
    """The names a module makes itself: its functions, classes and assignments at top level
    (in an `if` or `try` too), not the names it imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.col_offset == 0:
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.col_offset == 0:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {name.id for target in targets for name in ast.walk(target) if isinstance(name, ast.Name)}
    return names


def test_a_name_is_imported_from_the_module_that_makes_it():
    """No re-export chains: whoever needs BuildOptions imports options.py, not engine.py."""
    defined = {module: _defined(path) for module, path in MODULES.items()}
    wrong = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in MODULES and node.level == 0:
                wrong += [f"{path}:{node.lineno}: {alias.name} through {node.module}" for alias in node.names
                          if alias.name not in defined[node.module] and f"{node.module}.{alias.name}" not in MODULES]
    assert not wrong, "\n".join(wrong)


def test_no_imports_in_a_circle():
    assert not _cycles(GRAPH), "modules importing each other, through others too: " + repr(_cycles(GRAPH))


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
            elif target not in index:
                index[target] = low[target] = len(index)
                stack.append(target)
                on_stack.add(target)
                work.append((target, iter(graph[target])))
            elif target in on_stack:
                low[node] = min(low[node], index[target])
    return groups


def test_the_checks_see_a_wrong_import():
    assert _cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}) == [["a", "b", "c"]]
    assert not _cycles({"a": {"b": 1}, "b": {}})
    assert _layers("    base.py x/   words\n                 more words\n    y.py z/\n") == [["base.py", "x/"], ["y.py", "z/"]]
    assert GRAPH["kaffee_site.engine"]["kaffee_site.parallel"]  # a plain from-import is seen
