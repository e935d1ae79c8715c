"""``tf.saved_model.loader.load``: a SavedModel (TensorFlow's or teachflow's) back into a session.

Loading a tag set is three steps, as in TensorFlow: import the meta graph whose tags are
exactly those asked for (``import_meta_graph``: the graph, its collections, its saver), restore
the variables from ``variables/variables``, and run the model's main op (or legacy init op),
feeding each asset path tensor the asset's path in this directory. It returns the
``MetaGraphDef``, whose ``signature_def`` names the tensors to feed and fetch.

    >>> import tempfile, os
    >>> import teachflow as tf
    >>> with tf.Graph().as_default():
    ...     x = tf.placeholder(tf.float32, [None], name="x")
    ...     w = tf.Variable(3.0, name="w")
    ...     export_dir = os.path.join(tempfile.mkdtemp(), "model")
    ...     with tf.Session() as sess:
    ...         sess.run(w.initializer)
    ...         tf.saved_model.simple_save(sess, export_dir, {"x": x}, {"y": x * w})
    >>> with tf.Graph().as_default(), tf.Session() as sess:
    ...     meta = tf.saved_model.loader.load(sess, ["serve"], export_dir)
    ...     sig = meta.signature_def["serving_default"]
    ...     print(sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: [1.0, 2.0]}))
    [3. 6.]
"""

from __future__ import annotations

import os

from google.protobuf import message, text_format

from teachflow.proto import messages
from teachflow.proto.tf_wire.saved_model_pb2 import SavedModel
from teachflow.saved_model import constants
from teachflow.saved_model.utils import get_tensor_from_tensor_info
from teachflow.train.saver_meta_graph import import_meta_graph


def maybe_saved_model_directory(export_dir) -> bool:
    """Whether ``export_dir`` holds a ``saved_model.pb`` or ``saved_model.pbtxt``."""
    return any(
        os.path.exists(os.path.join(os.fspath(export_dir), name))
        for name in (constants.SAVED_MODEL_FILENAME_PB, constants.SAVED_MODEL_FILENAME_PBTXT)
    )


contains_saved_model = maybe_saved_model_directory


def load(sess, tags, export_dir, import_scope=None, **saver_kwargs):
    """Load the meta graph tagged exactly ``tags`` from ``export_dir`` into ``sess``'s graph,
    restore its variables and run its init op; returns its ``MetaGraphDef``.

    Raises OSError when there is no SavedModel there, RuntimeError when no meta graph has
    those tags."""
    return SavedModelLoader(export_dir).load(sess, tags, import_scope, **saver_kwargs)


class SavedModelLoader:
    """One SavedModel directory, parsed; its meta graphs are loaded by tags."""

    def __init__(self, export_dir):
        self.export_dir = os.fspath(export_dir)
        self.variables_path = os.path.join(
            self.export_dir, constants.VARIABLES_DIRECTORY, constants.VARIABLES_FILENAME
        )
        self.saved_model = _parse(self.export_dir)

    def get_meta_graph_def_from_tags(self, tags):
        available = []
        for meta in self.saved_model.meta_graphs:
            available.append(set(meta.meta_info_def.tags))
            if set(meta.meta_info_def.tags) == set(tags):
                return meta
        raise RuntimeError(
            f"MetaGraphDef associated with tags {str(tags).strip('[]')} could not be found in "
            f"SavedModel, with available tags '{available}'. To inspect available tag-sets in "
            "the SavedModel, please use the SavedModel CLI: `saved_model_cli`."
        )

    def load_graph(self, graph, tags, import_scope=None, **saver_kwargs):
        with graph.as_default():
            meta = self.get_meta_graph_def_from_tags(tags)
            return import_meta_graph(meta, import_scope=import_scope, **saver_kwargs), None

    def restore_variables(self, sess, saver, import_scope=None):
        if saver is not None:
            saver.restore(sess, self.variables_path)
        elif _has_saveables(sess.graph, import_scope):
            raise ValueError(
                "No tf.train.Saver object was passed to the function "
                "`SavedModelLoader.restore_variables`. Since there are variables in the "
                "graph, a saver is required."
            )

    def run_init_ops(self, sess, tags, import_scope=None):
        meta = self.get_meta_graph_def_from_tags(tags)
        with sess.graph.as_default():
            assets = _asset_tensors(self.export_dir, meta, import_scope)
            init_op = _init_op(sess.graph, meta, import_scope)
            if init_op is not None:
                sess.run(fetches=[init_op], feed_dict=assets)

    def load(self, sess, tags, import_scope=None, **saver_kwargs):
        with sess.graph.as_default():
            saver, _ = self.load_graph(sess.graph, tags, import_scope, **saver_kwargs)
            self.restore_variables(sess, saver, import_scope)
            self.run_init_ops(sess, tags, import_scope)
        return self.get_meta_graph_def_from_tags(tags)


def _parse(export_dir) -> SavedModel:
    pb = os.path.join(export_dir, constants.SAVED_MODEL_FILENAME_PB)
    pbtxt = os.path.join(export_dir, constants.SAVED_MODEL_FILENAME_PBTXT)
    saved_model = SavedModel()
    if os.path.exists(pb):
        try:
            with open(pb, "rb") as f:
                saved_model.ParseFromString(f.read())
        except message.DecodeError as e:
            raise OSError(f"Cannot parse file {pb}: {e}.") from None
    elif os.path.exists(pbtxt):
        try:
            with open(pbtxt, encoding="utf-8") as f:
                text_format.Parse(f.read(), saved_model)
        except text_format.ParseError as e:
            raise OSError(f"Cannot parse file {pbtxt}: {e}.") from None
    else:
        raise OSError(
            f"SavedModel file does not exist at: {export_dir}{os.sep}"
            f"{{{constants.SAVED_MODEL_FILENAME_PBTXT}|{constants.SAVED_MODEL_FILENAME_PB}}}"
        )
    return saved_model


def _has_saveables(graph, import_scope) -> bool:
    from teachflow.framework.graph_keys import GraphKeys

    items = graph.get_collection(GraphKeys.GLOBAL_VARIABLES) + graph.get_collection(
        "saveable_objects"
    )
    prefix = f"{import_scope}/" if import_scope else ""
    return any(getattr(v, "name", "").startswith(prefix) for v in items)


def _asset_tensors(export_dir, meta, import_scope) -> dict:
    """Asset path tensor name -> the asset's path under this directory's ``assets/``."""
    protos = list(meta.asset_file_def)
    if not protos and constants.ASSETS_KEY in meta.collection_def:
        for packed in meta.collection_def[constants.ASSETS_KEY].any_list.value:
            if packed.type_url.endswith(".AssetFileDef"):  # tensorflow. or tensorboard.
                protos.append(messages.AssetFileDef.FromString(packed.value))
    assets_dir = os.path.join(export_dir, constants.ASSETS_DIRECTORY)
    return {
        (f"{import_scope}/" if import_scope else "") + asset.tensor_info.name: os.path.join(
            assets_dir, asset.filename
        )
        for asset in protos
    }


def _init_op(graph, meta, import_scope):
    """The main op (TF 2's init signature, or the ``saved_model_main_op`` collection), else
    the legacy init op; None when the model has neither."""
    if constants.INIT_OP_SIGNATURE_KEY in meta.signature_def:
        info = meta.signature_def[constants.INIT_OP_SIGNATURE_KEY].outputs[
            constants.INIT_OP_SIGNATURE_KEY
        ]
        return get_tensor_from_tensor_info(info, graph, import_scope).op
    for key in (constants.MAIN_OP_KEY, constants.LEGACY_INIT_OP_KEY):
        if key in meta.collection_def:
            names = meta.collection_def[key].node_list.value
            if len(names) != 1:
                raise RuntimeError(
                    f"Expected exactly one SavedModel init op. Found {len(names)}: {list(names)}"
                )
            name = f"{import_scope}/{names[0]}" if import_scope else names[0]
            return graph.as_graph_element(name)
    return None
