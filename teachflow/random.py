"""``tf.random``: the random ops under their TF1 ``tf.random.*`` names (re-exports).

>>> import teachflow as tf
>>> tf.random.normal([2]).op.name
'random_normal'
"""

from teachflow.ops.all_candidate_sampler import all_candidate_sampler  # noqa: F401
from teachflow.ops.candidate_sampling_ops import (  # noqa: F401
    log_uniform_candidate_sampler,
    uniform_candidate_sampler,
)
from teachflow.ops.gamma_poisson_ops import random_gamma as gamma  # noqa: F401
from teachflow.ops.gamma_poisson_ops import random_poisson as poisson  # noqa: F401
from teachflow.ops.parameterized_truncated_normal_ops import (  # noqa: F401
    stateless_parameterized_truncated_normal,
)
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
from teachflow.ops.stateless_random_ops import (  # noqa: F401
    create_rng_state,
    fold_in,
    split,
    stateless_truncated_normal,  # noqa: F401
)
from teachflow.ops.stateless_random_ops import (  # noqa: F401
    stateless_random_normal as stateless_normal,
)
from teachflow.ops.stateless_random_ops import (  # noqa: F401
    stateless_random_uniform as stateless_uniform,
)
from teachflow.ops.stateless_samplers import (  # noqa: F401
    stateless_categorical,
    stateless_multinomial,
)
from teachflow.ops.stateless_samplers import (  # noqa: F401
    stateless_random_binomial as stateless_binomial,
)
from teachflow.ops.stateless_samplers import (  # noqa: F401
    stateless_random_gamma as stateless_gamma,
)
from teachflow.ops.stateless_samplers import (  # noqa: F401
    stateless_random_poisson as stateless_poisson,
)
from teachflow.ops.unigram_samplers import (  # noqa: F401
    fixed_unigram_candidate_sampler,
    learned_unigram_candidate_sampler,
)
