"""The house's shape: imports flow bench -> bot -> worker -> nlu, with no import circles, and
rooms stay small enough to find things in (README, "Where things live")."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bench", "bot", "worker", "nlu")
LAYER = {"bench": 3, "bot": 2, "worker": 1, "nlu": 0}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imports(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """Every module importing path runs: its targets and their parent packages."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            parts = target.split(".")
            for k in range(1, len(parts) + 1):  # a submodule runs its packages' __init__
                mod = ".".join(parts[:k])
                if mod in modules and mod != name and not name.startswith(mod + "."):
                    out.add(mod)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, name, modules) for name, path in modules.items()}


def test_imports_flow_one_way() -> None:
    upward = [(a, b) for a, targets in _graph().items() for b in targets
              if LAYER[b.split(".")[0]] > LAYER[a.split(".")[0]]
              and not (a == "bot.cli.main" and b.split(".")[0] == "bench")]
    assert upward == []


def test_no_import_circles() -> None:
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                circles.append(sorted(part))

    for v in graph:
        if v not in index:
            visit(v)
    assert circles == []


def test_rooms_are_small_and_say_what_they_hold() -> None:
    entries = [p for p in (ROOT / "worker").iterdir() if p.name != "__pycache__"]
    assert len(entries) <= 12, sorted(p.name for p in entries)
    modules = _modules()
    long = {n: len(p.read_text().splitlines()) for n, p in modules.items()}
    assert {n: c for n, c in long.items() if c > 450} == {}
    rooms = {p.parent for p in modules.values() if p.name == "__init__.py"}
    for room in rooms:
        doc = ast.get_docstring(ast.parse((room / "__init__.py").read_text()))
        assert doc, f"{room.relative_to(ROOT)} says nothing of what lives there"


def test_the_readme_map_matches_the_tree() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Where things live", 1)[1].split("\n## ", 1)[0]
    named = {cell.strip("`").rstrip("/") for line in section.splitlines()
             if line.startswith("| `") for cell in line.split("|")[1].split(", ")}
    rooms = {f"worker/{p.name}" for p in (ROOT / "worker").iterdir()
             if p.is_dir() and p.name != "__pycache__"}
    assert rooms <= {n.strip().strip("`").rstrip("/") for n in named}
    for name in named:
        path = name.strip().strip("`").rstrip("/")
        assert (ROOT / path).exists(), path


def test_every_import_of_our_code_names_a_module_that_exists() -> None:
    modules = _modules()
    missing = []
    paths = [*modules.values(), *(ROOT / "tests").rglob("*.py"), *(ROOT / "scripts").glob("*.py")]
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.split(".")[0] in PACKAGES and name not in modules:
                    missing.append(f"{path.relative_to(ROOT)}: {name}")
    assert missing == []
