"""One module importable under a second name: ``tensorflow.python``'s paths for teachflow's own
modules, so that ``from teachflow.python.platform import gfile`` gives `teachflow.gfile` itself
(one module, one set of functions and state), not a copy.

    >>> from teachflow.python.platform import gfile
    >>> import teachflow
    >>> gfile is teachflow.gfile
    True
"""

from __future__ import annotations

import importlib
import sys


def alias(name: str, target: str):
    """Make the module being imported as ``name`` be the module ``target``; returns it."""
    module = importlib.import_module(target)
    sys.modules[name] = module
    return module
