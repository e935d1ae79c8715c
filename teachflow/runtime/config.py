"""Session configuration and per-run options, with TensorFlow's field names.

>>> import teachflow as tf
>>> config = tf.ConfigProto(log_device_placement=True,
...                         gpu_options=tf.GPUOptions(allow_growth=True))
>>> config.gpu_options.allow_growth
True
"""

from __future__ import annotations


class _Message:
    """A small keyword-constructed record, printed like a protobuf text message."""

    _defaults: dict = {}

    def __init__(self, **kwargs):
        for k, v in self._defaults.items():
            setattr(self, k, v() if callable(v) else v)
        for k, v in kwargs.items():
            if k not in self._defaults:
                raise ValueError(f'Protocol message {type(self).__name__} has no "{k}" field.')
            setattr(self, k, v)

    def __eq__(self, other):
        return type(self) is type(other) and vars(self) == vars(other)

    def __repr__(self):
        set_fields = [
            f"{k}: {v!r}"
            for k, v in vars(self).items()
            if v != (self._defaults[k]() if callable(self._defaults[k]) else self._defaults[k])
        ]
        return f"{type(self).__name__}({', '.join(set_fields)})"


class GPUOptions(_Message):
    _defaults = {
        "per_process_gpu_memory_fraction": 0.0,
        "allow_growth": False,
        "visible_device_list": "",
        "allocator_type": "",
    }


class GraphOptions(_Message):
    _defaults = {"optimizer_options": None, "place_pruned_graph": False}


class ConfigProto(_Message):
    _defaults = {
        "device_count": dict,
        "intra_op_parallelism_threads": 0,
        "inter_op_parallelism_threads": 0,
        "use_per_session_threads": False,
        "log_device_placement": False,
        "allow_soft_placement": False,
        "operation_timeout_in_ms": 0,
        "gpu_options": GPUOptions,
        "graph_options": GraphOptions,
        "device_filters": list,
    }


class RunOptions(_Message):
    NO_TRACE = 0
    SOFTWARE_TRACE = 1
    HARDWARE_TRACE = 2
    FULL_TRACE = 3
    _defaults = {
        "trace_level": 0,
        "timeout_in_ms": 0,
        "output_partition_graphs": False,
        "report_tensor_allocations_upon_oom": False,
    }


class RunMetadata(_Message):
    _defaults = {"step_stats": None, "partition_graphs": list, "cost_graph": None}
