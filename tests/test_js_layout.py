"""The lab extension's sources (js/src) laid out by view and concern: no import circles, command
ids in a module that imports nothing of the views, and no folder too big to read in one sitting.

Reads the TypeScript imports as text (relative imports only: packages are not ours)."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "js" / "src"
IMPORT = re.compile(r"""(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}/[^'"]+)['"]""")
MAX_FILES = 16  # source files directly in one folder
MAX_LINES = 2500  # their lines together
VIEWS = ("runs", "detail", "compare", "charts", "media", "artifacts", "notebook", "notify",
         "components", "api")


def sources() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.ts*") if p.suffix in (".ts", ".tsx")
                  and "__tests__" not in p.parts)


def resolve(importer: Path, spec: str) -> Path:
    base = (importer.parent / spec).resolve()
    for candidate in (base.with_name(base.name + ".ts"), base.with_name(base.name + ".tsx"),
                      base / "index.ts"):
        if candidate.is_file():
            return candidate
    raise AssertionError(f"{importer.relative_to(SRC)} imports {spec!r}, which is no file")


def graph() -> dict[Path, set[Path]]:
    return {path: {resolve(path, spec) for spec in IMPORT.findall(path.read_text())}
            for path in sources()}


def circles(edges: dict[Path, set[Path]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), or a module importing
    itself."""
    index: dict[Path, int] = {}
    low: dict[Path, int] = {}
    stack: list[Path] = []
    on_stack: set[Path] = set()
    found: list[list[str]] = []

    def visit(node: Path) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in edges.get(node, ()):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in edges.get(node, ()):
                found.append(sorted(str(m.relative_to(SRC)) for m in group))

    for node in edges:
        if node not in index:
            visit(node)
    return found


def test_no_import_circles():
    assert circles(graph()) == []


def test_command_ids_import_nothing_and_views_never_import_the_commands():
    edges = graph()
    assert edges[SRC / "ids.ts"] == set()
    wiring = {SRC / "commands.ts", SRC / "index.ts"}
    offenders = sorted(str(path.relative_to(SRC)) for path, targets in edges.items()
                       if path.relative_to(SRC).parts[0] in VIEWS and targets & wiring)
    assert offenders == []


def test_every_module_lives_in_a_folder_small_enough_to_read():
    folders: dict[Path, list[Path]] = {}
    for path in sources():
        folders.setdefault(path.parent, []).append(path)
    too_big = {str(folder.relative_to(SRC)): (len(files), sum(len(f.read_text().splitlines())
                                                               for f in files))
               for folder, files in folders.items()}
    too_big = {name: size for name, size in too_big.items()
               if size[0] > MAX_FILES or size[1] > MAX_LINES}
    assert too_big == {}
    top = sorted(p.name for p in folders[SRC])
    assert top == ["commands.ts", "ids.ts", "index.ts", "placement.ts"]
