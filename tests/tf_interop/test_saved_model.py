"""TensorFlow loads and serves the SavedModels teachflow writes (the reverse direction, teachflow
loading TensorFlow's, is tests/saved_model/ against recorded directories)."""

from __future__ import annotations

import importlib.util
import json
import pathlib

import numpy as np

import teachflow as tf

from .conftest import run_tf

FIXTURES = pathlib.Path(__file__).parent.parent / "fixtures" / "tensorflow"
_spec = importlib.util.spec_from_file_location("programs", FIXTURES / "saved_model_programs.py")
programs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(programs)

SERVE = """
import json, sys
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
out = {}
for name, key, feed, fetch, value in json.loads(sys.argv[1]):
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, ["serve"], name)
        sig = meta.signature_def[key]
        out[name] = sess.run(sig.outputs[fetch].name, {sig.inputs[feed].name: value}).tolist()
print(json.dumps(out))
"""


def test_tensorflow_serves_teachflow_s_saved_models(tf_python, tmp_path):
    serving, tagged = str(tmp_path / "serving"), str(tmp_path / "tagged")
    with tf.Graph().as_default():
        programs.serving_model(tf, serving)
    with tf.Graph().as_default():
        programs.tagged_model(tf, tagged, str(tmp_path))
    asks = [
        [serving, "serving_default", "x", "y", programs.INPUT],
        [tagged, "predict", "words", "ids", programs.WORDS],
    ]
    out = json.loads(run_tf(tf_python, SERVE, json.dumps(asks)).stdout.strip().splitlines()[-1])
    recorded = json.loads((FIXTURES / "saved_model" / "values.json").read_text())
    eps = np.finfo(np.float32).eps
    np.testing.assert_allclose(out[serving], recorded["serving"], rtol=16 * eps, atol=16 * eps)
    assert out[tagged] == recorded["tagged"]
