"""``tf.random``: the random ops under their TF1 ``tf.random.*`` names (re-exports).

>>> import teachflow as tf
>>> tf.random.normal([2]).op.name
'random_normal'
"""

from teachflow.ops.gamma_poisson_ops import random_gamma as gamma  # noqa: F401
from teachflow.ops.gamma_poisson_ops import random_poisson as poisson  # noqa: F401
from teachflow.ops.random_ops import (  # noqa: F401
    DEFAULT_GRAPH_SEED,
    categorical,
    get_seed,
    multinomial,
    set_random_seed,
    truncated_normal,  # noqa: F401
)
from teachflow.ops.random_ops import random_normal as normal  # noqa: F401
from teachflow.ops.random_ops import random_shuffle as shuffle  # noqa: F401
from teachflow.ops.random_ops import random_uniform as uniform  # noqa: F401
