"""Input checks shared by the scikit-learn charts: every refusal names the function and the
argument, as the other nbrun calls do."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ...errors import UsageError

__all__ = ["arrays_of", "class_names", "fitted", "np"]


def arrays_of(where: str, **values: Any) -> list[Any]:
    """Each value as a NumPy array (a DataFrame's or Series' values too); None is refused
    naming the argument."""
    out = []
    for name, value in values.items():
        if value is None:
            raise UsageError(f"{where}: {name} is required")
        if hasattr(value, "to_numpy"):
            value = value.to_numpy()
        try:
            out.append(np.asarray(value))
        except Exception as exc:
            raise UsageError(f"{where}: {name} is not an array ({exc})") from None
        if out[-1].ndim == 0:
            raise UsageError(f"{where}: {name} must be an array, got one "
                             f"{type(value).__name__}")
    return out


def fitted(where: str, model: Any) -> None:
    """Refuse a model that is missing or not fitted yet."""
    if model is None:
        raise UsageError(f"{where}: the model is required")
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except NotFittedError:
        raise UsageError(f"{where}: {type(model).__name__} is not fitted; call fit() "
                         "first") from None
    except TypeError:
        raise UsageError(f"{where}: {type(model).__name__} is not a scikit-learn "
                         "estimator") from None


def class_names(classes: Any, labels: Sequence[Any] | None) -> list[str]:
    """The name of each class: ``labels[c]`` for integer classes 0..n-1 when labels are
    given (the contract tracker's rule), else the class itself as text."""
    values = classes.tolist()
    if labels is not None and all(isinstance(c, int) and 0 <= c < len(labels)
                                  for c in values):
        return [str(labels[c]) for c in values]
    return [str(c) for c in values]
