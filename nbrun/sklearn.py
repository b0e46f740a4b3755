"""``nbrun.sklearn``: the scikit-learn charts (``plot_classifier``, ``plot_roc``, ...), as the
contract tracker spells them (its ``sklearn`` module); they live in ``nbrun.integration.sklearn``.
"""

from .integration.sklearn import *  # noqa: F403
from .integration.sklearn import __all__  # noqa: F401
