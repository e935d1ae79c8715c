"""``tf.saved_model.builder.SavedModelBuilder`` and ``simple_save``: a model as a directory
TensorFlow Serving and ``tf.saved_model.loader.load`` (TensorFlow's or teachflow's) read.

A SavedModel holds one checkpoint of the variables and one or more *meta graphs*, each tagged
(``serve``, ``train``...) and carrying its signatures::

    export_dir/
      saved_model.pb                         a SavedModel message: the tagged MetaGraphDefs
      variables/variables.index              the variables, one V2 checkpoint (sharded saver)
      variables/variables.data-00000-of-00001
      assets/                                files the graph reads (vocabularies), if any

    >>> import tempfile, os
    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> x = tf.placeholder(tf.float32, [None, 2], name="x")
    >>> w = tf.Variable([[1.0], [2.0]], name="w")
    >>> y = tf.matmul(x, w, name="y")
    >>> export_dir = os.path.join(tempfile.mkdtemp(), "model")
    >>> with tf.Session() as sess:
    ...     sess.run(w.initializer)
    ...     tf.saved_model.simple_save(sess, export_dir, {"x": x}, {"y": y})
    >>> sorted(os.listdir(export_dir))
    ['saved_model.pb', 'variables']
"""

from __future__ import annotations

import filecmp
import os
import shutil

from google.protobuf import any_pb2, text_format

from teachflow.framework.graph import get_default_graph
from teachflow.framework.graph_keys import GraphKeys
from teachflow.framework.operation import Operation, Tensor
from teachflow.proto import messages
from teachflow.proto.tf_wire.saved_model_pb2 import SavedModel
from teachflow.saved_model import constants, signature_constants, tag_constants
from teachflow.saved_model.signature_def_utils import predict_signature_def
from teachflow.train.saver import Saver, SaverDef

ASSET_TYPE_URL = "type.googleapis.com/tensorflow.AssetFileDef"


class SavedModelBuilder:
    """Builds a SavedModel in ``export_dir`` (which must not exist, or be empty):
    ``add_meta_graph_and_variables`` once, ``add_meta_graph`` for more tag sets, ``save``."""

    def __init__(self, export_dir):
        self._export_dir = os.fspath(export_dir)
        self._saved_model = SavedModel(
            saved_model_schema_version=constants.SAVED_MODEL_SCHEMA_VERSION
        )
        self._has_saved_variables = False
        self._saved_asset_files = set()
        if os.path.exists(self._export_dir):
            if os.listdir(self._export_dir):
                raise AssertionError(
                    f"Export directory {self._export_dir} already exists, and isn't empty. "
                    "Please choose a different export directory, or delete all the contents "
                    "of the specified directory."
                )
        else:
            os.makedirs(self._export_dir)

    def add_meta_graph_and_variables(
        self,
        sess,
        tags,
        signature_def_map=None,
        assets_collection=None,
        legacy_init_op=None,
        clear_devices=False,
        main_op=None,
        strip_default_attrs=False,
        saver=None,
    ):
        """Save the variables of ``sess`` and the current graph, tagged ``tags``."""
        if self._has_saved_variables:
            raise AssertionError(
                "Graph state including variables and assets has already been saved. "
                "Please invoke `add_meta_graph()` instead."
            )
        signature_def_map = signature_def_map or {}
        _validate_signature_def_map(signature_def_map)
        self._add_collections(assets_collection, main_op or legacy_init_op)
        variables_dir = os.path.join(self._export_dir, constants.VARIABLES_DIRECTORY)
        os.makedirs(variables_dir, exist_ok=True)
        saver = saver or _sharded_saver()
        saver.save(
            sess,
            os.path.join(variables_dir, constants.VARIABLES_FILENAME),
            write_meta_graph=False,
            write_state=False,
        )
        meta = saver.export_meta_graph(
            clear_devices=clear_devices, strip_default_attrs=strip_default_attrs
        )
        self._tag_and_add(meta, tags, signature_def_map)
        self._has_saved_variables = True

    def add_meta_graph(
        self,
        tags,
        signature_def_map=None,
        assets_collection=None,
        legacy_init_op=None,
        clear_devices=False,
        main_op=None,
        strip_default_attrs=False,
        saver=None,
    ):
        """Add the current graph again under other ``tags`` (it shares the saved variables)."""
        if not self._has_saved_variables:
            raise AssertionError(
                "Graph state including variables and assets has not been saved yet. "
                "Please invoke `add_meta_graph_and_variables()` first."
            )
        signature_def_map = signature_def_map or {}
        _validate_signature_def_map(signature_def_map)
        self._add_collections(assets_collection, main_op if main_op is not None else legacy_init_op)
        saver = saver or _sharded_saver()
        meta = saver.export_meta_graph(
            clear_devices=clear_devices, strip_default_attrs=strip_default_attrs
        )
        self._tag_and_add(meta, tags, signature_def_map)

    def save(self, as_text=False) -> bytes:
        """Write ``saved_model.pb`` (or ``saved_model.pbtxt``); returns its path, as bytes."""
        os.makedirs(self._export_dir, exist_ok=True)
        if as_text:
            path = os.path.join(self._export_dir, constants.SAVED_MODEL_FILENAME_PBTXT)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text_format.MessageToString(self._saved_model))
        else:
            path = os.path.join(self._export_dir, constants.SAVED_MODEL_FILENAME_PB)
            with open(path, "wb") as f:
                f.write(self._saved_model.SerializeToString(deterministic=True))
        return os.fsencode(path)

    # -- what goes into the graph's collections before it is exported ---------------------
    def _add_collections(self, assets_collection, main_op):
        self._save_and_write_assets(assets_collection)
        _maybe_add_main_op(main_op)

    def _save_and_write_assets(self, assets):
        """Each asset path tensor: an ``AssetFileDef`` (packed in protobuf's ``Any``) in the
        ``saved_model_assets`` collection, and the file copied to ``assets/``."""
        filenames = {}
        for tensor in assets or ():
            source = _asset_path_from_tensor(tensor)
            if not source:
                raise ValueError(f"Asset filepath tensor {tensor} in is invalid.")
            name = _asset_filename_to_add(source, filenames)
            asset = messages.AssetFileDef(filename=name)
            asset.tensor_info.name = tensor.name
            # TF's type URL (tensorboard's copy of the message lives in another package).
            packed = any_pb2.Any(type_url=ASSET_TYPE_URL, value=asset.SerializeToString())
            get_default_graph().add_to_collection(constants.ASSETS_KEY, packed)
            filenames[name] = source
        if not filenames:
            return
        assets_dir = os.path.join(self._export_dir, constants.ASSETS_DIRECTORY)
        os.makedirs(assets_dir, exist_ok=True)
        for name, source in filenames.items():
            target = os.path.join(assets_dir, name)
            if (
                os.path.exists(source)
                and source != target
                and target not in self._saved_asset_files
            ):
                shutil.copyfile(source, target)
                self._saved_asset_files.add(target)

    def _tag_and_add(self, meta, tags, signature_def_map):
        meta.meta_info_def.tags.extend(tags)
        for key, signature in signature_def_map.items():
            meta.signature_def[key].CopyFrom(signature)
        self._saved_model.meta_graphs.add().CopyFrom(meta)


def simple_save(session, export_dir, inputs, outputs, legacy_init_op=None):
    """Save a model for serving in one call: tag ``serve``, one ``serving_default`` predict
    signature from the ``inputs`` and ``outputs`` maps of name -> tensor, devices cleared."""
    signature_def_map = {
        signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY: predict_signature_def(
            inputs, outputs
        )
    }
    builder = SavedModelBuilder(export_dir)
    builder.add_meta_graph_and_variables(
        session,
        tags=[tag_constants.SERVING],
        signature_def_map=signature_def_map,
        assets_collection=get_default_graph().get_collection(GraphKeys.ASSET_FILEPATHS),
        main_op=legacy_init_op,
        clear_devices=True,
    )
    builder.save()


def _sharded_saver():
    # The builder's own saver: every saveable of the graph, one shard per device, V2 files.
    return Saver(sharded=True, write_version=SaverDef.V2, allow_empty=True)


def _validate_signature_def_map(signature_def_map):
    for key in (constants.INIT_OP_SIGNATURE_KEY, "__saved_model_train_op"):
        if key in signature_def_map:
            what = "initialization" if key == constants.INIT_OP_SIGNATURE_KEY else "the train op"
            raise KeyError(
                f'SignatureDef map key "{key}" is reserved for {what}. Please use a different key.'
            )
    for signature in signature_def_map.values():
        for info in list(signature.inputs.values()) + list(signature.outputs.values()):
            _validate_tensor_info(info)


def _validate_tensor_info(info):
    if info is None:
        raise AssertionError(
            "All TensorInfo protos used in the SignatureDefs must have the name and dtype "
            "fields set."
        )
    if info.WhichOneof("encoding") is None:
        raise AssertionError(
            f"Invalid `tensor_info`: {info}. All TensorInfo protos used in the SignatureDefs "
            "must have one of the 'encoding' fields (e.g., name or coo_sparse) set."
        )
    if info.WhichOneof("encoding") != "composite_tensor" and info.dtype == 0:
        raise AssertionError(
            f"Invalid `tensor_info`: {info}. All TensorInfo protos used in the SignatureDefs "
            "must have the dtype field set."
        )


def _maybe_add_main_op(main_op):
    if main_op is None:
        return
    if not isinstance(main_op, Operation):
        raise TypeError(
            f"Expected {main_op} to be an Operation but got type {type(main_op)} instead."
        )
    graph = get_default_graph()
    for key in (constants.MAIN_OP_KEY, constants.LEGACY_INIT_OP_KEY):
        if graph.get_collection(key):
            raise ValueError(
                f"Graph already contains one or more main ops under the collection {key}."
            )
    graph.add_to_collection(constants.MAIN_OP_KEY, main_op)


def _asset_path_from_tensor(tensor):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"Asset path tensor {tensor} must be a Tensor.")
    if tensor.op.type != "Const":
        raise TypeError(
            f"Asset path tensor {tensor} must be of type constant.Has type {tensor.op.type} "
            "instead."
        )
    if tensor.dtype.base_dtype.name != "string":
        raise TypeError(
            f"Asset path tensor {tensor}` must be of dtype string.Has type {tensor.dtype} instead."
        )
    value = tensor.op._attrs["value"]
    if getattr(value, "size", 1) != 1 or getattr(value, "ndim", 0) != 0:
        raise TypeError(f"Asset path tensor {tensor} must be a scalar.")
    value = value.item() if hasattr(value, "item") else value
    return os.fsdecode(value)


def _asset_filename_to_add(path, filenames):
    """The asset's name in ``assets/``: its basename, suffixed ``_1``, ``_2``... when another
    file of that name (with other bytes) is already there."""
    name = os.path.basename(path)
    other = filenames.get(name)
    if other is None or other == path or filecmp.cmp(path, other, shallow=False):
        return name
    i, unique = 1, name
    while unique in filenames:
        unique = f"{name}_{i}"
        i += 1
    return unique
