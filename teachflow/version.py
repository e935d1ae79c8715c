"""``tf.version``: which teachflow this is, and which GraphDefs it writes and reads.

``VERSION`` is teachflow's own (``tf.__version__``), not a TensorFlow release's.
``GRAPH_DEF_VERSION`` is the ``versions.producer`` teachflow writes into every GraphDef:
TensorFlow 2.21's, since teachflow writes its graphs as that release does.
``GRAPH_DEF_VERSION_MIN_CONSUMER`` / ``_MIN_PRODUCER`` are TensorFlow's (0: any GraphDef
reads). teachflow is Python only, so the C++ build facts (``CXX11_ABI_FLAG``,
``CXX_VERSION``, ``MONOLITHIC_BUILD``, top-level names in TF) are 0, and
``COMPILER_VERSION`` names the compiler that built the Python interpreter.

    >>> import teachflow as tf
    >>> tf.version.VERSION == tf.VERSION == tf.__version__
    True
    >>> tf.GRAPH_DEF_VERSION == tf.Graph().as_graph_def().versions.producer
    True
"""

from __future__ import annotations

import platform

from teachflow.framework.codecs.graph_def import MIN_CONSUMER, PRODUCER

__all__ = [
    "COMPILER_VERSION",
    "GIT_VERSION",
    "GRAPH_DEF_VERSION",
    "GRAPH_DEF_VERSION_MIN_CONSUMER",
    "GRAPH_DEF_VERSION_MIN_PRODUCER",
    "VERSION",
]

VERSION = "0.1.0"
# TensorFlow's value when it is built from a tree without git metadata.
GIT_VERSION = "unknown"
COMPILER_VERSION = platform.python_compiler()
GRAPH_DEF_VERSION = PRODUCER
GRAPH_DEF_VERSION_MIN_CONSUMER = MIN_CONSUMER
GRAPH_DEF_VERSION_MIN_PRODUCER = 0

# TensorFlow's top level also says how its C++ library was built; teachflow has none.
CXX11_ABI_FLAG = 0
CXX_VERSION = 0
MONOLITHIC_BUILD = 0
