"""TensorFlow's messages, the bottom layer of teachflow.

Everything that is a file or crosses a process in TensorFlow is a protobuf message of the
``tensorflow`` package (``GraphDef``, ``TensorProto``, ``RunMetadata``, ``Event``...). teachflow
speaks the same bytes: the message classes come from the ``tensorboard`` package, which ships
TF-compatible copies under ``tensorboard.compat.proto`` (same message names and field numbers,
registered under the ``tensorboard`` package so that TensorFlow itself can be imported beside
teachflow without two definitions of ``tensorflow.GraphDef`` colliding). Bytes written with these
classes parse in TensorFlow and the reverse.

>>> from teachflow.proto import messages
>>> g = messages.GraphDef()
>>> g.node.add(name="a", op="Const").name
'a'
>>> messages.GraphDef.FromString(g.SerializeToString()).node[0].op
'Const'

Nothing here knows teachflow's own objects: the codecs between teachflow's records (dtypes,
shapes, ``NodeDef``, graphs) and these messages sit one layer up, in `teachflow.framework.codecs`,
so that this package stays the bottom of the import layers. `tensor_proto` (numpy arrays <->
``TensorProto``) needs only numpy, and stays here.
"""
