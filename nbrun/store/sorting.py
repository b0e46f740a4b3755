"""Orders of a listing: an ORDER BY and the same order as a Python key, so that the pages of
several stores merge exactly as one database would have sorted them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from ..errors import UsageError
from . import fields
from .fields import Field, Sql

# NOCASE folds ASCII letters only; the Python key folds the same letters and no others.
_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class _Descending:
    """A key part compared the other way round."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and self.value == other.value

    def __lt__(self, other: "_Descending") -> bool:
        return other.value < self.value


@dataclass(frozen=True)
class Term:
    """Sort on selected value ``index``: folded as NOCASE does, descending or not."""

    index: int
    nocase: bool = False
    descending: bool = False

    def sql(self) -> str:
        return (f"k{self.index}{' COLLATE NOCASE' if self.nocase else ''}"
                f"{' DESC' if self.descending else ''}")

    def key(self, value: Any) -> Any:
        if self.nocase and isinstance(value, str):
            value = value.translate(_ASCII_FOLD)
        return _Descending(value) if self.descending else value


@dataclass(frozen=True)
class Sort:
    """``values`` are selected as ``k0, k1, ...`` (then ``rid``) and ordered by ``terms``."""

    values: tuple[Sql, ...]
    terms: tuple[Term, ...]

    def select(self) -> Sql:
        sql = ", ".join(f"{v[0]} AS k{i}" for i, v in enumerate(self.values))
        return sql, tuple(a for v in self.values for a in v[1])

    def order_by(self) -> str:
        return ", ".join(t.sql() for t in self.terms)

    def key(self, row: Sequence[Any]) -> tuple:
        """The merge key of a row of selected values."""
        return tuple(t.key(row[t.index]) for t in self.terms)

    def after(self, group: "Sort") -> "Sort":
        """This order within the groups of ``group`` (whose values come first)."""
        shift = len(group.values)
        return Sort(group.values + self.values,
                    group.terms + tuple(Term(t.index + shift, t.nocase, t.descending)
                                        for t in self.terms))


def _plain(column: str, descending: bool, nocase: bool = False,
           newest_ties: bool = False) -> Sort:
    if newest_ties:
        return Sort(((column, ()), ("created_at", ()), ("rid", ())),
                    (Term(0, nocase, descending), Term(1, descending=True),
                     Term(2, descending=True)))
    return Sort(((column, ()), ("rid", ())), (Term(0, nocase, descending),
                                              Term(1, descending=descending)))


def by_field(field: Field, descending: bool) -> Sort:
    """Runs lacking the value last in both directions; numbers (numerically) before text
    (case-insensitively, then exactly); equal values newest first."""
    rank, value = field.rank_sql(), field.value_sql()
    return Sort((rank, value, ("created_at", ()), ("rid", ())),
                (Term(0), Term(1, True, descending), Term(1, False, descending),
                 Term(2, descending=True), Term(3, descending=True)))


def by_group(field: Field) -> Sort:
    """Groups in ascending order of their value, runs without one last."""
    return Sort((field.rank_sql(), field.value_sql()), (Term(0), Term(1, True), Term(1)))


# The first orders, kept as they were (their SQL walks an index).
SORTS: dict[str, Sort] = {
    "-created_at": _plain("created_at", True),
    "created_at": _plain("created_at", False),
    "-updated_at": _plain("updated_at", True),
    "updated_at": _plain("updated_at", False),
    "name": _plain("name", False, nocase=True),
    "-name": _plain("name", True, nocase=True),
    "state": _plain("state", False, nocase=True, newest_ties=True),
    "project": _plain("project", False, nocase=True, newest_ties=True),
}
DEFAULT_SORT = "-created_at"
SORT_HELP = ("a column (" + ", ".join(fields.COLUMNS) + "), config.<path> or summary.<key>, "
             "with a leading - for descending")


def sort_for(text: str) -> Sort:
    """The order named ``text`` (see SORT_HELP). Raises ``UsageError``."""
    if text in SORTS:
        return SORTS[text]
    descending = text.startswith("-")
    try:
        field = fields.parse(text[1:] if descending else text, "sort", bare="column")
    except UsageError as exc:
        raise UsageError(f"{exc}, with a leading - for descending") from None
    return by_field(field, descending)
