"""``tf.train.Saver``: save variables to checkpoints and restore them, with graph ops.

Building a Saver adds a small subgraph under the name scope ``save``, exactly as TensorFlow
1.x does: a filename tensor ``save/Const:0`` (a ``PlaceholderWithDefault`` the path is fed
into), a ``save/SaveV2`` op that writes every variable and ``save/restore_all``, which runs one
``save/Assign`` per variable from the tensors ``save/RestoreV2`` reads. ``saver.save(sess,
path)`` is then one ``sess.run`` of the save tensor, so it works on any session, local or
remote: in a cluster the ops run where they are placed. With ``sharded=True`` there is one
``SaveV2`` per device holding variables — each ps task writes its own shard — and a
``MergeV2Checkpoints`` op joins them into one checkpoint. A partitioned variable is saved as
TF saves it: one tensor under its full name, each shard a slice of it (its
``_save_slice_info.spec``), so it restores into shards cut another way, or into one variable.

    >>> import os, tempfile
    >>> import teachflow as tf
    >>> d = tempfile.mkdtemp()
    >>> v = tf.Variable([1.0, 2.0], name="v")
    >>> saver = tf.train.Saver(max_to_keep=2)
    >>> with tf.Session() as sess:
    ...     sess.run(v.initializer)
    ...     path = saver.save(sess, os.path.join(d, "model.ckpt"), global_step=100)
    ...     _ = sess.run(v.assign([0.0, 0.0]))
    ...     saver.restore(sess, tf.train.latest_checkpoint(d))
    ...     print(os.path.basename(path), sess.run(v))
    model.ckpt-100 [1. 2.]

Raises (as TensorFlow): ValueError "No variables to save" / "The passed save_path is not a valid
checkpoint" / "Parent directory of ... doesn't exist, can't save."; on restore a NotFoundError
("Key v not found in checkpoint") or InvalidArgumentError (a shape or dtype that differs from
the saved one), both prefixed "Restoring from checkpoint failed."
"""

from __future__ import annotations

import dataclasses
import logging
import numbers
import os
import time

import numpy as np

from teachflow.framework import errors
from teachflow.framework.device_spec import DeviceSpec, canonical_name
from teachflow.framework.graph import GraphKeys, get_default_graph
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import colocate_with, control_dependencies, device, name_scope
from teachflow.ops import array_ops, checkpoint_ops, state_ops
from teachflow.ops.comparison_ops import where
from teachflow.ops.constant_op import constant
from teachflow.ops.control_flow_ops import group
from teachflow.ops.partitioned_variables import PartitionedVariable
from teachflow.ops.string_ops import regex_full_match
from teachflow.ops.variables import Variable
from teachflow.runtime.session import BaseSession
from teachflow.train import checkpoint_management

__all__ = ["Saver", "SaverDef"]

_log = logging.getLogger("tensorflow")


@dataclasses.dataclass
class SaverDef:
    """What a Saver's ops are called, so another process (or a meta graph) can drive them."""

    filename_tensor_name: str = ""
    save_tensor_name: str = ""
    restore_op_name: str = ""
    max_to_keep: int = 5
    sharded: bool = False
    keep_checkpoint_every_n_hours: float = 10000.0
    version: int = 2  # SaverDef.V2: the index + data files format

    V1 = 1
    V2 = 2


@dataclasses.dataclass
class _Saveable:
    """One tensor as the saver sees it: its checkpoint name, the ref it reads and assigns,
    and, for a shard of a partitioned variable, the slice of ``name`` it is (``""``: all)."""

    name: str
    ref: Tensor
    slice_spec: str = ""
    # What SaveV2 reads: the ref, except for a shard, which TF saves through its value
    # (the ``part_i/read`` snapshot).
    tensor: Tensor | None = None

    def __post_init__(self):
        if self.tensor is None:
            self.tensor = self.ref

    @property
    def device(self) -> str:
        return self.ref.device

    @property
    def dtype(self):
        return self.ref.dtype.base_dtype


def _flatten(items) -> list:
    out = []
    for item in items:
        out.extend(_flatten(item) if isinstance(item, (list, tuple)) else [item])
    return out


def _names_to_saveables(var_list) -> dict:
    """Checkpoint name -> variable, PartitionedVariable or list of shards (TF's
    op_list_to_dict): a shard is saved under its full variable's name."""
    if isinstance(var_list, dict):
        return dict(var_list)
    found = {}
    # Sorted by name as TF sorts them: a variable's shards are then in name order
    # (w/part_10 before w/part_2), and so are their slices in the checkpoint.
    for v in sorted(_flatten(list(var_list)), key=lambda v: getattr(v, "name", "")):
        slice_info = getattr(v, "_save_slice_info", None)
        if isinstance(v, PartitionedVariable):
            name = v.name
        elif slice_info is not None:
            name = slice_info.full_name
            if name in found:
                if not isinstance(found[name], list):
                    raise ValueError(f"Mixing slices and non-slices with the same name: {name}")
                found[name].append(v)
                continue
            v = [v]
        else:
            name = _as_ref(v).op.name
        if name in found:
            raise ValueError(f"At least two variables have the same name: {name}")
        found[name] = v
    return found


def _slices(name, shards) -> list:
    """A partitioned variable's shards as saveables of one tensor (TF's checks)."""
    out = []
    full_name = None
    for v in shards:
        if not isinstance(v, Variable):
            raise ValueError(f"Slices must all be Variables: {v}")
        info = getattr(v, "_save_slice_info", None)
        if info is None:
            raise ValueError(f"Slices must all be slices: {v}")
        if full_name is None:
            full_name = info.full_name
        elif full_name != info.full_name:
            raise ValueError(
                f"Slices must all be from the same tensor: {full_name} != {info.full_name}"
            )
        out.append(_Saveable(name, v._ref(), info.spec, v.value()))
    return out


def _saveables(var_list) -> list:
    """``var_list`` (list or {name: variable}) as saveables, sorted by name (TF's
    validate_and_slice_inputs); variables are named by op name by default."""
    names_to_saveables = _names_to_saveables(var_list)
    for name in names_to_saveables:
        if not isinstance(name, str):
            raise TypeError(
                f"names_to_saveables must be a dict mapping string names to Variables: {name!r}"
            )
    saved_refs = set()  # ids of the refs taken: a scan of `out` per variable was quadratic
    out = []
    for name, v in sorted(names_to_saveables.items(), key=lambda t: t[0]):
        if isinstance(v, (list, tuple, PartitionedVariable)):
            saveables = _slices(name, list(v))
        else:
            saveables = [_Saveable(name, _as_ref(v))]
        for s in saveables:
            if id(s.ref) in saved_refs:
                raise ValueError(f"The same saveable will be restored with two names: {name}")
            saved_refs.add(id(s.ref))
            out.append(s)
    return out


def _as_ref(v) -> Tensor:
    if isinstance(v, Variable):
        return v._ref()
    if isinstance(v, Tensor) and v.op.type == "VariableV2":
        return v
    raise TypeError(f"Can not convert a {type(v).__name__} into a Variable to save: {v!r}")


def _set_cpu0(device_string: str) -> str:
    # TF saves and restores on the CPU of the task that holds the variables.
    spec = DeviceSpec.from_string(device_string).replace(device_type="CPU", device_index=0)
    return spec.to_string()


def _placeholder_with_default(value, name):
    # As TF's generated op wrapper: a Python default becomes the Const "<name>/input".
    with name_scope(None, name) as scope:
        if not isinstance(value, Tensor):
            value = constant(value, name="input")
        op = get_default_graph().create_op(
            "PlaceholderWithDefault", [value], {"shape": value.shape}, name=scope
        )
    return op.outputs[0]


def _with_dependencies(deps, output, name="control_dependency"):
    with name_scope(None, name) as scope, colocate_with(output.op), control_dependencies(deps):
        return array_ops.identity(output, name=scope)


class _SaverBuilder:
    """Adds the save and restore ops (TF's BulkSaverBuilder: one RestoreV2 per shard)."""

    def build(self, saveables, sharded, filename, name=None):
        with name_scope(name, "save"):
            filename_tensor = _placeholder_with_default(filename or "model", "filename")
            filename_tensor = _placeholder_with_default(filename_tensor, "Const")
            if sharded:
                per_device = self._group_by_device(saveables)
                save_tensor = self._sharded_save(filename_tensor, per_device)
                restore_op = self._sharded_restore(filename_tensor, per_device)
            else:
                save_tensor = self._save(filename_tensor, saveables)
                restore_op = self._restore(filename_tensor, saveables, "restore_all")
        return filename_tensor, save_tensor, restore_op

    @staticmethod
    def _group_by_device(saveables):
        per_device = {}
        for s in saveables:
            per_device.setdefault(canonical_name(s.device), []).append(s)
        return sorted(per_device.items(), key=lambda t: t[0])

    @staticmethod
    def _save(filename_tensor, saveables):
        save = checkpoint_ops.save_v2(
            filename_tensor,
            [s.name for s in saveables],
            [s.slice_spec for s in saveables],
            [s.tensor for s in saveables],
        )
        return _with_dependencies([save], filename_tensor)

    @staticmethod
    def _restore(filename_tensor, saveables, name):
        # All tensors come from one RestoreV2 on the CPU (of the enclosing task, if any).
        with device("cpu:0"):
            restored = checkpoint_ops.restore_v2(
                filename_tensor,
                [s.name for s in saveables],
                [s.slice_spec for s in saveables],
                [s.dtype for s in saveables],
            )
        assigns = []
        for s, value in zip(saveables, restored):
            # Assign lives with its variable, so a ps variable is written on its own task.
            assigns.append(
                state_ops.assign(s.ref, value, validate_shape=s.ref.shape.is_fully_defined())
            )
        return group(*assigns, name=name)

    def _sharded_save(self, checkpoint_prefix, per_device):
        # Shards go to <prefix>_temp/part-XXXXX-of-YYYYY, then merge into <prefix> (on S3,
        # where a rename is a copy, beside it: <prefix>.part-...), as TF 2's graph says.
        with device("CPU"):
            suffix = where(
                regex_full_match(checkpoint_prefix, "^s3://.*"),
                constant(".part"),
                constant(os.path.normpath("_temp/part")),
            )
            tmp_prefix = checkpoint_ops.string_join([checkpoint_prefix, suffix])
        num_shards = constant(len(per_device), name="num_shards")
        saves, prefixes = [], []
        last_device = None
        for shard, (dev, saveables) in enumerate(per_device):
            last_device = dev
            with device(_set_cpu0(dev)):
                prefix = checkpoint_ops.sharded_filename(tmp_prefix, shard, num_shards)
                prefixes.append(prefix)
                saves.append(self._save(prefix, saveables))
        with control_dependencies([s.op for s in saves]), device(_set_cpu0(last_device)):
            merge = checkpoint_ops.merge_v2_checkpoints(prefixes, checkpoint_prefix)
            with control_dependencies([merge]):
                return array_ops.identity(checkpoint_prefix)

    def _sharded_restore(self, filename_tensor, per_device):
        restores = []
        for dev, saveables in per_device:
            with device(dev):
                restores.append(self._restore(filename_tensor, saveables, "restore_shard"))
        return group(*restores, name="restore_all")


def _wrap_restore_error(err, cause):
    message = (
        f"Restoring from checkpoint failed. This is most likely due to {cause} from the "
        "checkpoint. Please ensure that you have not altered the graph expected based on the "
        f"checkpoint. Original error:\n\n{err.message}"
    )
    return type(err)(err.node_def, err.op, message)


class Saver:
    """Saves and restores variables (all global variables, or ``var_list``).

    ``max_to_keep`` newest checkpoints are kept on disk (older ones are deleted; None or 0
    keeps all); ``keep_checkpoint_every_n_hours`` additionally keeps one per that many hours.
    ``sharded=True`` writes one shard per device (per ps task) instead of gathering every
    variable onto the task that runs the save.
    """

    def __init__(
        self,
        var_list=None,
        reshape=False,
        sharded=False,
        max_to_keep=5,
        keep_checkpoint_every_n_hours=10000.0,
        name=None,
        restore_sequentially=False,
        saver_def=None,
        builder=None,
        defer_build=False,
        allow_empty=False,
        write_version=SaverDef.V2,
        pad_step_number=False,
        save_relative_paths=False,
        filename=None,
    ):
        if defer_build and var_list:
            raise ValueError(
                "If `var_list` is provided then build cannot be deferred. Either set "
                "defer_build=False or var_list=None."
            )
        self._var_list = var_list
        self._sharded = sharded
        self._max_to_keep = max_to_keep
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self._name = name
        self.saver_def = saver_def
        self._is_built = False
        self._allow_empty = allow_empty
        self._is_empty = None
        self._pad_step_number = pad_step_number
        self._filename = filename
        self._save_relative_paths = save_relative_paths
        self._last_checkpoints = []
        self._checkpoints_to_be_deleted = []
        self._next_checkpoint_time = time.time() + keep_checkpoint_every_n_hours * 3600
        if saver_def is not None:
            self._is_built = True
            self._is_empty = False
        elif not defer_build:
            self.build()

    # -- building --------------------------------------------------------------------------
    def build(self) -> None:
        """Add the save/restore ops (once; the constructor does it unless ``defer_build``)."""
        if self._is_built:
            return
        self._is_built = True
        var_list = self._var_list
        if var_list is None:
            graph = get_default_graph()
            var_list = graph.get_collection(GraphKeys.GLOBAL_VARIABLES) + graph.get_collection(
                "saveable_objects"
            )
        if not var_list:
            if self._allow_empty:
                self._is_empty = True
                return
            raise ValueError("No variables to save")
        self._is_empty = False
        saveables = _saveables(var_list)
        filename_tensor, save_tensor, restore_op = _SaverBuilder().build(
            saveables, self._sharded, self._filename, self._name
        )
        self.saver_def = SaverDef(
            filename_tensor_name=filename_tensor.name,
            save_tensor_name=save_tensor.name,
            restore_op_name=restore_op.name,
            max_to_keep=0 if self._max_to_keep is None else self._max_to_keep,
            sharded=bool(self._sharded),
            keep_checkpoint_every_n_hours=self._keep_checkpoint_every_n_hours,
        )

    def as_saver_def(self) -> SaverDef:
        return self.saver_def

    def to_proto(self, export_scope=None) -> SaverDef:
        return self.saver_def

    # -- which checkpoints are kept ---------------------------------------------------------
    @property
    def last_checkpoints(self) -> list:
        """The kept checkpoints, oldest first."""
        return [p for p, _ in self._last_checkpoints]

    def set_last_checkpoints(self, last_checkpoints) -> None:
        assert isinstance(last_checkpoints, list)
        self._last_checkpoints = [(s, float("inf")) for s in last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time) -> None:
        assert isinstance(last_checkpoints_with_time, list)
        self._last_checkpoints = list(last_checkpoints_with_time)

    def recover_last_checkpoints(self, checkpoint_paths) -> None:
        """Adopt the checkpoints of an earlier run (those that still exist) as kept ones."""
        kept = []
        for path in checkpoint_paths:
            mtimes = checkpoint_management.get_checkpoint_mtimes([path])
            if mtimes:
                kept.append((path, mtimes[0]))
        self.set_last_checkpoints_with_time(kept)

    def _record_last_checkpoint(self, latest):
        if not self.saver_def.max_to_keep:
            return
        self._last_checkpoints = [p for p in self._last_checkpoints if p[0] != latest]
        self._last_checkpoints.append((latest, time.time()))
        if len(self._last_checkpoints) > self.saver_def.max_to_keep:
            self._checkpoints_to_be_deleted.append(self._last_checkpoints.pop(0))

    def _maybe_delete_old_checkpoints(self, meta_graph_suffix="meta"):
        if not self._checkpoints_to_be_deleted:
            return
        path, saved_at = self._checkpoints_to_be_deleted.pop(0)
        if saved_at > self._next_checkpoint_time:
            # keep_checkpoint_every_n_hours: this one is spared.
            self._next_checkpoint_time += self.saver_def.keep_checkpoint_every_n_hours * 3600
            return
        checkpoint_management.remove_checkpoint(path, self.saver_def.version, meta_graph_suffix)

    # -- save and restore -------------------------------------------------------------------
    def save(
        self,
        sess,
        save_path,
        global_step=None,
        latest_filename=None,
        meta_graph_suffix="meta",
        write_meta_graph=True,
        write_state=True,
        strip_default_attrs=False,
        save_debug_info=False,
    ):
        """Write a checkpoint; returns its prefix (``save_path-<global_step>``).

        ``global_step`` may be an int, a tensor or a variable (its value is read). The
        ``checkpoint`` file of the directory is updated and checkpoints beyond
        ``max_to_keep`` are deleted. Returns None for a Saver with nothing to save."""
        if not self._is_built:
            raise RuntimeError("`build()` should be called before save if defer_build==True")
        latest_filename = latest_filename or "checkpoint"
        if os.path.split(latest_filename)[0]:
            raise ValueError("'latest_filename' must not contain path components")
        save_path = os.fspath(save_path)
        if global_step is not None:
            # As TF (compat.integral_types): numpy integers are numbers, not fetches.
            if isinstance(global_step, (numbers.Integral, np.integer)):
                global_step = int(global_step)
            else:
                global_step = int(sess.run(global_step))
            if self._pad_step_number:
                checkpoint_file = f"{save_path}-{global_step:08d}"
            else:
                checkpoint_file = f"{save_path}-{global_step}"
        else:
            checkpoint_file = save_path
            if os.path.basename(save_path) == latest_filename and not self._sharded:
                raise ValueError(
                    f"'latest_filename' collides with 'save_path': '{latest_filename}' and "
                    f"'{save_path}'"
                )
        if not isinstance(sess, BaseSession):
            # As TF: a MonitoredSession is not a Session (it would run the hooks); save from
            # a CheckpointSaverHook, or from the raw session a hook is given.
            raise TypeError(f"'sess' must be a Session; {sess}")
        save_dir = os.path.dirname(save_path)
        model_checkpoint_path = None
        if not self._is_empty:
            try:
                model_checkpoint_path = sess.run(
                    self.saver_def.save_tensor_name,
                    {self.saver_def.filename_tensor_name: checkpoint_file},
                )
            except (errors.FailedPreconditionError, errors.NotFoundError):
                if not os.path.isdir(save_dir or "."):
                    raise ValueError(
                        f"Parent directory of {save_path} doesn't exist, can't save."
                    ) from None
                raise
            if isinstance(model_checkpoint_path, bytes):
                model_checkpoint_path = model_checkpoint_path.decode("utf-8")
            if write_state:
                self._record_last_checkpoint(model_checkpoint_path)
                checkpoint_management.update_checkpoint_state(
                    save_dir,
                    model_checkpoint_path,
                    self.last_checkpoints,
                    latest_filename,
                    save_relative_paths=self._save_relative_paths,
                )
                self._maybe_delete_old_checkpoints(meta_graph_suffix)
        if write_meta_graph:
            from teachflow.train.saver_meta_graph import export_meta_graph

            export_meta_graph(
                checkpoint_management.meta_graph_filename(checkpoint_file, meta_graph_suffix),
                graph=sess.graph,
                saver_def=self.saver_def,
            )
        return model_checkpoint_path

    def restore(self, sess, save_path) -> None:
        """Assign every variable its value from the checkpoint ``save_path``."""
        if self._is_empty:
            return
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        save_path = os.fspath(save_path)
        if not checkpoint_management.checkpoint_exists(save_path):
            raise ValueError("The passed save_path is not a valid checkpoint: " + save_path)
        _log.info("Restoring parameters from %s", save_path)
        try:
            sess.run(
                self.saver_def.restore_op_name, {self.saver_def.filename_tensor_name: save_path}
            )
        except errors.NotFoundError as err:
            raise _wrap_restore_error(
                err, "a Variable name or other graph key that is missing"
            ) from None
        except errors.InvalidArgumentError as err:
            raise _wrap_restore_error(
                err, "a mismatch between the current graph and the graph"
            ) from None

    def export_meta_graph(self, filename=None, **kwargs):
        """Write the graph and this saver's names to ``filename`` (see `import_meta_graph`)."""
        from teachflow.train.saver_meta_graph import export_meta_graph

        return export_meta_graph(filename, saver_def=self.saver_def, **kwargs)

    def __repr__(self):
        if self._is_empty:
            return "<tf.train.Saver (empty)>"
        return f"<tf.train.Saver restore_op={self.saver_def.restore_op_name!r}>"


def _get_saver_or_default():
    """The graph's one Saver (collection ``savers``), else a new sharded one, as TF does."""
    savers = get_default_graph().get_collection(GraphKeys.SAVERS)
    if savers:
        if len(savers) > 1:
            raise RuntimeError(
                f"More than one item in collection {GraphKeys.SAVERS}. Please indicate which "
                "one to use by passing it to the constructor."
            )
        return savers[0]
    saver = Saver(sharded=True, allow_empty=True)
    get_default_graph().add_to_collection(GraphKeys.SAVERS, saver)
    return saver
