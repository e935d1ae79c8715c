"""noisy_linear_cosine_decay and piecewise_constant_decay against TensorFlow
(tests/fixtures/tensorflow/record_graph_tools.py): the same ops, so a seeded graph draws
TensorFlow's noise, and the same rates."""

import numpy as np
import pytest

import teachflow as tf
from tests.graph_tools_fixture import PROGRAMS, RECORD, run


def _rates(source, fetches):
    with tf.Graph().as_default() as g:
        scope = run(source)
        ops = [f"{op.name}:{op.type}" for op in g.get_operations()]
        with tf.Session() as sess:
            values = [
                sess.run([scope[f] for f in fetches], {scope["step"]: s}) for s in scope["steps"]
            ]
    return ops, np.array(values, dtype=np.float64)


def test_noisy_linear_cosine_decay_is_tensorflows():
    want = RECORD["decays"]["noisy"]
    ops, values = _rates(PROGRAMS.NOISY_DECAY, ["lr", "lr2"])
    assert ops == want["ops"]
    # float32 arithmetic on TensorFlow's (Philox) noise: equal to a few ulps.
    np.testing.assert_allclose(values, want["values"], rtol=4e-7, atol=1e-8)


def test_piecewise_constant_decay_is_piecewise_constant():
    want = RECORD["decays"]["piecewise"]
    ops, values = _rates(PROGRAMS.PIECEWISE, ["lr"])
    assert tf.train.piecewise_constant_decay is tf.train.piecewise_constant
    # (teachflow's piecewise_constant builds its own ops, tested with the other decays.)
    assert ops[0] == want["ops"][0]
    np.testing.assert_array_equal(values[:, 0], np.float32(want["values"]))


def test_global_step_is_required():
    with pytest.raises(ValueError, match="global_step is required for noisy_linear_cosine_decay"):
        tf.train.noisy_linear_cosine_decay(0.1, None, 10)
