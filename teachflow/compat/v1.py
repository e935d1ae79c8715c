"""``tf.compat.v1``: the same names as ``teachflow`` (TF 1.x graph mode is all it has).

>>> import teachflow.compat.v1 as tf
>>> tf.disable_v2_behavior()
>>> with tf.Session() as sess:
...     float(sess.run(tf.constant(2.0) * 3))
6.0

(In this module ``print`` is ``tf.print``, as a star import of TensorFlow makes it.)
"""

from teachflow import *  # noqa: F403 - every public name of teachflow
from teachflow import (  # the namespaces and names a star import leaves out
    __version__,
    app,
    audio,
    config,
    data,
    distributed,
    errors,
    flags,
    image,
    initializers,
    io,
    keras,
    layers,
    linalg,
    logging,
    lookup,
    losses,
    math,
    nest,
    nn,
    random,
    saved_model,
    strings,
    summary,
    train,
)


def __getattr__(name: str):
    if name == "compat":  # tf.compat.v1.compat.as_bytes: this module's own parent
        import teachflow.compat

        return teachflow.compat
    # As teachflow's own: tf.contrib and tf.estimator say what to use instead.
    from teachflow.out_of_scope import missing

    raise missing(__name__, name)
