"""The indentation problems of a ``%%runinit`` body, every one of them.

A YAML parser stops at its first error and often names a symptom ("mapping values are not
allowed here") rather than the cause. This reads the body's block structure line by line and
says, for each line that breaks it, how far it is indented and how far it should be.
"""

from __future__ import annotations

import re

_KEY = re.compile(r"""^(?:-\s+)?(?P<key>"[^"]*"|'[^']*'|[^\s#:'"][^#:]*?)\s*:"""
                  r"""(?:\s+(?P<rest>.*))?$""")
_BLOCK_SCALAR = re.compile(r":\s*[|>][-+0-9]*\s*(?:#.*)?$")


def _spaces(n: int) -> str:
    return f"{n} space" + ("" if n == 1 else "s")


def _depth(text: str) -> int:
    # Quoted text is rare in argument bodies and a miscount only skips a check.
    return sum(text.count(c) for c in "[{") - sum(text.count(c) for c in "]}")


def indentation_problems(body: str, first_line: int = 2) -> list[tuple[int, str]]:
    """(cell line, message) of each line indented against the structure above it; lines of
    the body are numbered from ``first_line`` (the magic line is line 1)."""
    problems: list[tuple[int, str]] = []
    levels: list[tuple[int, str]] = [(0, "")]  # (indent, the key that opened it)
    opened: tuple[int, str] | None = None  # a "key:" with no value: the next line may nest
    scalar_above: int | None = None  # inside a | or > block: lines deeper than this are text
    sibling: tuple[int, str] | None = None  # the last key at the current level
    depth = 0
    for i, raw in enumerate(body.split("\n")):
        line_no = i + first_line
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        lead = raw[:len(raw) - len(raw.lstrip())]
        indent = len(lead)
        if scalar_above is not None:
            if indent > scalar_above:
                continue
            scalar_above = None
        if depth > 0:  # inside a [ ] or { } spread over lines: free indentation
            depth += _depth(stripped)
            continue
        if "\t" in lead:
            problems.append((line_no, "a tab in the indentation: YAML indents with spaces only"))
            indent = len(lead.replace("\t", "  "))
        match = _KEY.match(stripped)
        key = match.group("key") if match else stripped.split()[0]
        if opened is not None and indent > levels[-1][0]:
            levels.append((indent, opened[1]))
        elif indent > levels[-1][0]:
            what = f"'{sibling[1]}' on line {sibling[0]}" if sibling else "the line above"
            problems.append((line_no, f"'{key}' is indented {_spaces(indent)}, deeper than "
                             f"{what}, which already has a value: indent it "
                             f"{_spaces(levels[-1][0])} like {what.split(' on ')[0]}, or move "
                             "the value to its own line to nest it"))
            indent = levels[-1][0]
        else:
            open_levels = sorted({lvl for lvl, _ in levels})
            while len(levels) > 1 and indent < levels[-1][0]:
                levels.pop()
            if indent != levels[-1][0]:
                problems.append((line_no, f"'{key}' is indented {_spaces(indent)}, which "
                                 "matches no key above: indent it "
                                 + " or ".join(str(n) for n in open_levels) + " spaces"))
        opened = None
        sibling = (line_no, key)
        if match and not match.group("rest"):
            opened = (line_no, key)
        if _BLOCK_SCALAR.search(stripped):
            scalar_above, opened = indent, None
        depth = _depth(stripped)
        if stripped.startswith("- ") and match:
            levels.append((indent + 2 + (len(stripped) - 2 - len(stripped[2:].lstrip())), key))
    return problems
