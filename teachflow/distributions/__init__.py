"""``tf.distributions``: TF1's probability distributions (since moved to TF Probability).

>>> import teachflow as tf
>>> tf.distributions.Normal(0.0, 1.0).reparameterization_type is tf.distributions.FULLY_REPARAMETERIZED
True
"""

from teachflow.distributions.bernoulli import Bernoulli  # noqa: F401
from teachflow.distributions.beta import Beta  # noqa: F401
from teachflow.distributions.categorical import Categorical  # noqa: F401
from teachflow.distributions.dirichlet import Dirichlet  # noqa: F401
from teachflow.distributions.dirichlet_multinomial import DirichletMultinomial  # noqa: F401
from teachflow.distributions.distribution import (  # noqa: F401
    FULLY_REPARAMETERIZED,
    NOT_REPARAMETERIZED,
    Distribution,
    ReparameterizationType,
)
from teachflow.distributions.gamma import Exponential, Gamma  # noqa: F401
from teachflow.distributions.kullback_leibler import RegisterKL, kl_divergence  # noqa: F401
from teachflow.distributions.laplace import Laplace  # noqa: F401
from teachflow.distributions.multinomial import Multinomial  # noqa: F401
from teachflow.distributions.normal import Normal  # noqa: F401
from teachflow.distributions.student_t import StudentT  # noqa: F401
from teachflow.distributions.uniform import Uniform  # noqa: F401
