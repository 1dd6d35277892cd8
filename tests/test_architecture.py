"""The shape of the code: imports flow one way (bot -> catalog; the command line above the bot),
with no circle, counting the imports inside functions and for type checking too."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("catalog", "bot")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {
        module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
    }


def imported(path: Path, name: str) -> Iterator[str]:
    """Every module a file imports, wherever the import stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    """Our modules and the modules of ours each imports (external ones kept by top name)."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        targets = set()
        for target in imported(path, name):
            if target in known and target != name:
                targets.add(target)
            elif target.split(".")[0] not in PACKAGES:
                targets.add(target.split(".")[0])
        graph[name] = targets
    return graph


def circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in graph:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_another_that_imports_it_back() -> None:
    assert circles(import_graph()) == []


def test_the_core_imports_neither_the_bot_nor_telegram() -> None:
    upward = {
        name: sorted(t for t in targets if t.startswith("bot") or t == "telegram")
        for name, targets in import_graph().items()
        if name.startswith("catalog")
    }

    assert {name: targets for name, targets in upward.items() if targets} == {}


def test_the_bot_does_not_import_the_command_line_above_it() -> None:
    upward = {
        name: sorted(t for t in targets if t.startswith("bot.cli"))
        for name, targets in import_graph().items()
        if name.startswith("bot") and not name.startswith("bot.cli")
    }

    assert {name: targets for name, targets in upward.items() if targets} == {}


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

    assert circles(graph) == [["a", "b", "c"]]


def shared_class_names(sources: Mapping[str, str]) -> dict[str, list[str]]:
    """Each class name that more than one class has, with the modules that define it."""
    defined: dict[str, list[str]] = defaultdict(list)
    for name, source in sources.items():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef):
                defined[node.name].append(name)
    return {cls: where for cls, where in defined.items() if len(where) > 1}


def test_no_two_classes_share_a_name() -> None:
    sources = {name: path.read_text(encoding="utf-8") for name, path in modules().items()}

    assert shared_class_names(sources) == {}


def test_the_name_finder_finds_a_shared_name() -> None:
    sources = {
        "a": "class Feedback:\n    pass\n\nclass Store:\n    pass\n",
        "b": "def f() -> None:\n    class Feedback:\n        pass\n",
    }

    assert shared_class_names(sources) == {"Feedback": ["a", "b"]}


MAX_LINES = 900  # a module longer than this does more than one job


def test_no_module_is_longer_than_a_reader_can_hold() -> None:
    lengths = {
        name: len(path.read_text(encoding="utf-8").splitlines())
        for name, path in modules().items()
    }

    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}
