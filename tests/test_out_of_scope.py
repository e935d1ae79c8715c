"""tf.contrib and tf.estimator: an AttributeError that says what to use instead."""

import numpy as np
import pytest

import teachflow as tf
import teachflow.compat.v1 as tf_v1
from teachflow.out_of_scope import CONTRIB_EQUIVALENTS


@pytest.mark.parametrize("module", [tf, tf_v1])
def test_contrib_names_its_core_equivalents(module):
    with pytest.raises(AttributeError, match="tf.contrib is out of scope") as info:
        module.contrib.layers.xavier_initializer()
    assert "tf.contrib.layers.xavier_initializer() -> tf.glorot_uniform_initializer()" in str(
        info.value
    )
    assert "tf.contrib.rnn.<Cell> -> tf.nn.rnn_cell.<Cell>" in str(info.value)
    assert not hasattr(module, "contrib")


def test_estimator_says_how_to_train_instead():
    with pytest.raises(AttributeError, match="MonitoredTrainingSession"):
        tf.estimator.Estimator  # noqa: B018


def test_other_missing_names_are_plain_attribute_errors():
    with pytest.raises(AttributeError, match="module 'teachflow' has no attribute 'nothing'"):
        tf.nothing  # noqa: B018


def test_every_named_equivalent_exists():
    for new in CONTRIB_EQUIVALENTS.values():
        if new.startswith(("lambda", "teachflow.")):
            continue
        path = new.split("(")[0].removeprefix("tf.").replace(".<Cell>", "")
        obj = tf
        for part in path.split("."):
            obj = getattr(obj, part)


def test_xavier_is_glorot_with_the_same_draws():
    # contrib's xavier_initializer(uniform=True) is variance scaling, factor 1, FAN_AVG, uniform:
    # TF's random_uniform between -+sqrt(6 / (fan_in + fan_out)) with the op's seed. So is
    # glorot_uniform_initializer: the same draws.
    limit = np.sqrt(6.0 / 50)
    values = []
    for make in (
        lambda: tf.glorot_uniform_initializer(seed=3)([30, 20]),
        lambda: tf.random_uniform([30, 20], -limit, limit, seed=3),
    ):
        with tf.Graph().as_default():
            tf.set_random_seed(1)
            with tf.Session() as sess:
                values.append(sess.run(make()))
    np.testing.assert_array_equal(values[0], values[1])
