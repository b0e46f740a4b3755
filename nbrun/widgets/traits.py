"""A trait that holds any value and notices every change, including ``1`` -> ``True``.

traitlets stays silent when the new value ``==`` the old one, but ``1 == True`` and
``{"a": 1} == {"a": 1.0}``: an argument changed from the int 1 to True would keep its stale
error and its widget would keep showing the old value. Argument values are compared by type
as well as by value.
"""

from __future__ import annotations

from typing import Any

import traitlets


def identical(a: Any, b: Any) -> bool:
    """Equal and of the same types, all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(identical(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:  # values whose == is not a bool (NumPy arrays)
        return a is b


class StrictAny(traitlets.Any):
    """``traitlets.Any`` (default None) whose observers hear every change of value or type."""

    def __init__(self, default_value: Any = None, **kwargs: Any) -> None:
        super().__init__(default_value, allow_none=True, **kwargs)

    def set(self, obj: traitlets.HasTraits, value: Any) -> None:
        # TraitType.set, with identical() in place of == to decide whether to notify.
        new_value = self._validate(obj, value)
        old_value = obj._trait_values.get(self.name, self.default_value)
        obj._trait_values[self.name] = new_value
        if not identical(old_value, new_value):
            obj._notify_trait(self.name, old_value, new_value)
