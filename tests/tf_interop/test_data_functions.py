"""TensorFlow imports and runs the GraphDefs teachflow writes for tf.data pipelines with
functions (map, filter, flat_map, interleave, one-shot iterators' factories), and the
``.meta`` file teachflow's Saver writes for one, and TensorFlow's own GraphDefs after a pass
through teachflow (import, export). (The reverse direction, teachflow reading
TensorFlow's, is tests/framework/codecs/test_function_def.py against recorded files.)"""

from __future__ import annotations

import importlib.util
import json
import pathlib

from google.protobuf import text_format

import teachflow as tf
from teachflow.proto import messages

from .conftest import run_tf

FIXTURES = pathlib.Path(__file__).parent.parent / "fixtures" / "tensorflow"
_spec = importlib.util.spec_from_file_location(
    "data_functions_programs", FIXTURES / "data_functions_programs.py"
)
programs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(programs)

RUN = """
import json, sys
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()

def plain(value):
    arr = np.asarray(value)
    if arr.dtype.kind in "SO":
        return {"dtype": "string", "value": np.vectorize(lambda b: b.decode())(arr).tolist()}
    return {"dtype": arr.dtype.name, "value": arr.tolist()}

def elements(sess, fetches, init, feed):
    if init:
        sess.run(init, feed)
    out = []
    while True:
        try:
            out.append([plain(v) for v in sess.run(fetches)])
        except tf.errors.OutOfRangeError:
            return out

out = {}
for name, path, fetches, init, feed, checkpoint in json.loads(sys.argv[1]):
    with tf.Graph().as_default(), tf.Session() as sess:
        if checkpoint:
            tf.train.import_meta_graph(path).restore(sess, checkpoint)
        else:
            tf.import_graph_def(tf.GraphDef.FromString(open(path, "rb").read()), name="")
        out[name] = elements(sess, fetches, init, feed)
print(json.dumps(out))
"""


def _program(name):
    scope = {"tf": tf}
    exec(programs.PROGRAMS[name], scope)  # noqa: S102 - the recorded programs
    nxt = scope["nxt"]
    fetches = list(nxt) if isinstance(nxt, (tuple, list)) else [nxt]
    init = scope.get("init")
    return [t.name for t in fetches], None if init is None else init.name, scope.get("feed")


def test_tensorflow_runs_teachflow_s_graph_defs_with_functions(tf_python, tmp_path):
    recorded = json.loads((FIXTURES / "data_functions" / "data_functions.json").read_text())
    asks = []
    for name in sorted(programs.PROGRAMS):
        with tf.Graph().as_default() as g:
            fetches, init, feed = _program(name)
        path = tmp_path / f"{name}.pb"
        path.write_bytes(g.as_graph_def().SerializeToString())
        asks.append([name, str(path), fetches, init, feed, None])
        # TensorFlow's GraphDef of the same program, imported and written again by teachflow.
        text = (FIXTURES / "data_functions" / f"{name}.pbtxt").read_text()
        with tf.Graph().as_default() as g:
            tf.import_graph_def(text_format.Parse(text, messages.GraphDef()), name="")
        path = tmp_path / f"tf_{name}.pb"
        path.write_bytes(g.as_graph_def().SerializeToString())
        rec = recorded[name]
        asks.append([f"tf_{name}", str(path), rec["fetches"], rec["init"], rec["feed"], None])
    with tf.Graph().as_default():
        w, it, y = programs.meta_graph_program(tf)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(w.assign(0.5))
            prefix = tf.train.Saver().save(sess, str(tmp_path / "model.ckpt"))
    feed = recorded["meta_graph"]["feed"]
    asks.append(["meta_graph", prefix + ".meta", [y.name], it.initializer.name, feed, prefix])
    done = run_tf(tf_python, RUN, json.dumps(asks))
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out == {name: recorded[name.removeprefix("tf_")]["elements"] for name in out}
    assert len(out) == 2 * len(programs.PROGRAMS) + 1
