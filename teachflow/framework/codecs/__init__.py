"""The codecs between teachflow's records and TensorFlow's messages.

`attr_value` (attr values: dtypes, shapes, tensors, lists), `graph_def` (a graph as TF's
``GraphDef`` and back, with TF's op registry's defaults from `op_defs`), `wire_graph_def`
(teachflow's cluster schema read into TF's ``GraphDef``). The messages themselves are in
`teachflow.proto`, the bottom layer; these modules sit above it and beside the rest of
`framework`, whose records they translate.

    >>> import teachflow as tf
    >>> from teachflow.framework.codecs import graph_def
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     _ = tf.constant(1.0, name="a")
    >>> graph_def.graph_to_graph_def(g).node[0].op
    'Const'
"""
