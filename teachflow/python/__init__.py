"""The few ``tensorflow.python`` modules TF1 programs import directly, at the same paths.

TensorFlow's ``tensorflow.python`` package is private, but tutorials and books of the TF1 era
reach into it for a handful of modules. With the import line changed to teachflow, these lines
run as written:

    from teachflow.python.framework import ops            # ops.reset_default_graph()
    from teachflow.python.framework import graph_util, dtypes, tensor_shape, constant_op
    from teachflow.python.client import device_lib        # device_lib.list_local_devices()
    from teachflow.python.client import timeline          # a traced step as a Chrome trace
    from teachflow.python.tools import inspect_checkpoint as chkp
    from teachflow.python.platform import gfile, tf_logging
    from teachflow.python.saved_model import tag_constants, signature_constants
    from teachflow.python.ops import rnn, rnn_cell

Each is teachflow's own module under TensorFlow's path (`alias` puts it there), or, for
``framework.ops``, ``client.device_lib`` and ``tools.inspect_checkpoint``, a small module with
TensorFlow's functions. The rest of TensorFlow's internals is not here: use the public names.
"""
