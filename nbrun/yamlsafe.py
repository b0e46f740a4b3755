"""YAML as nbrun reads it (config files, settings files, ``%%runinit`` bodies, form fields):
``yaml.safe_load`` without the "billion laughs".

PyYAML shares one object per anchor, so ten short lines of nested aliases load in a blink, but
every consumer that walks the result (config validation, JSON encoding) expands them to
billions of values and hangs the kernel. The node graph is measured before anything is built.
"""

from __future__ import annotations

from typing import Any

from .errors import UsageError

MAX_VALUES = 1_000_000  # values the document stands for once every alias is expanded

_loader: Any = None


def safe_load(stream: Any) -> Any:
    """``yaml.safe_load`` that raises ``yaml.YAMLError`` (with a ``problem`` and the alias's
    ``problem_mark``) for a document that expands to more than ``MAX_VALUES`` values or
    refers to itself."""
    loader = _loader_class()(stream)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_mapping_file(path: str, what: str) -> dict[str, Any]:
    """The mapping a YAML file holds ({} for an empty one), for the ``what`` file at ``path``
    (a config or settings file); a ``UsageError`` naming the file and line of a bad one."""
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            data = safe_load(f)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise UsageError(f"{what} {path}{where}: not valid YAML ({problem})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{what} {path} cannot be read ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"{what} {path}: the top level must be a mapping of key: value, "
                         f"got a {type(data).__name__}")
    return data


def _loader_class() -> Any:
    global _loader
    if _loader is None:
        import yaml

        class Loader(yaml.SafeLoader):
            def get_single_node(self):
                node = super().get_single_node()
                if node is not None:
                    _check_expansion(node, yaml)
                return node

        _loader = Loader
    return _loader


def _check_expansion(root: Any, yaml: Any) -> None:
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            total = 1 + sum(sizes[id(c)] for c in _children(node, yaml))
            sizes[key] = total
            if total > MAX_VALUES:
                _refuse(node, f"nested aliases expand to more than {MAX_VALUES:,} values", yaml)
            continue
        if key in sizes:
            continue
        if key in on_path:
            _refuse(node, "an alias refers to a node that contains it", yaml)
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node, yaml):
            if id(child) not in sizes:
                if id(child) in on_path:
                    _refuse(child, "an alias refers to a node that contains it", yaml)
                stack.append((child, False))


def _children(node: Any, yaml: Any) -> list[Any]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _refuse(node: Any, what: str, yaml: Any) -> None:
    raise yaml.MarkedYAMLError(problem=f"{what}; write the values out instead of aliasing them",
                               problem_mark=node.start_mark)
