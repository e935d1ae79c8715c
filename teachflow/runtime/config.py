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

    # Fields TensorFlow's message lacks: teachflow's own, written as comments by __str__.
    _teachflow_fields: tuple = ()

    def to_proto(self):
        """TensorFlow's message of the same name, with the fields TensorFlow has."""
        from teachflow.proto import messages

        pb = getattr(messages, type(self).__name__)()
        for name, value in vars(self).items():
            if name in self._teachflow_fields or name.startswith("_") or value is None:
                continue
            if isinstance(value, _Message):
                # Left at its defaults, a nested message is unset (TF prints nothing).
                if value != type(value)():
                    getattr(pb, name).CopyFrom(value.to_proto())
            elif isinstance(value, dict):
                getattr(pb, name).update(value)
            elif isinstance(value, (list, tuple)):
                getattr(pb, name).extend(value)
            else:
                setattr(pb, name, value)
        return pb

    def __str__(self):
        """TensorFlow's text format (what ``print(config)`` shows in TensorFlow); teachflow's
        own fields follow as ``# teachflow:`` comments, which text parsers skip."""
        extra = "".join(
            f"# teachflow: {name}: {getattr(self, name)!r}\n"
            for name in self._teachflow_fields
            if getattr(self, name, None) is not None
        )
        return str(self.to_proto()) + extra

    # A protobuf message's repr is its text, as in TensorFlow: a notebook cell showing a
    # config shows "allow_soft_placement: true".
    __repr__ = __str__


class GPUOptions(_Message):
    _defaults = {
        "per_process_gpu_memory_fraction": 0.0,
        "allow_growth": False,
        "visible_device_list": "",
        "allocator_type": "",
    }


class GraphOptions(_Message):
    _defaults = {"optimizer_options": None, "place_pruned_graph": False, "infer_shapes": False}


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
        # teachflow: simulate this many GPUs (numpy compute, a real card's memory limit),
        # with the hardware profile of teachflow.sim.profiles (default "k80").
        "simulated_gpus": None,
        "simulated_gpu_profile": None,
        # teachflow: a traced run's step_stats in virtual time on the hardware profiles
        # (teachflow.sim.virtual_time), the same on every machine. None: the environment's
        # TEACHFLOW_VIRTUAL_TIME=1 decides.
        "virtual_time": None,
        # teachflow: the host CPU's memory limit in bytes (or "2GiB", "512MB"), accounted
        # at every step as a GPU's is, so a step that crosses it fails at the node that
        # did. None: the environment's TEACHFLOW_CPU_MEMORY_LIMIT, else no per-step
        # accounting and a guard of 80% of physical memory that kernels whose output size
        # comes from input values (Fill, Tile, Range, Pad...) check before allocating.
        "cpu_memory_limit": None,
    }
    _teachflow_fields = (
        "simulated_gpus",
        "simulated_gpu_profile",
        "virtual_time",
        "cpu_memory_limit",
    )


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
    """What a run reports back: ``step_stats`` (when traced) and ``partition_graphs``."""

    _defaults = {"partition_graphs": list, "cost_graph": None}

    def __init__(self, **kwargs):
        self._step_stats = kwargs.pop("step_stats", None)
        self._unset_step_stats = None  # the empty StepStats read while none was set
        self._build_step_stats = None
        self._traced_step = None  # the local run that filled it, for teachflow.sim
        super().__init__(**kwargs)

    def _set_lazy_step_stats(self, build):
        self._step_stats = None
        self._build_step_stats = build
        self._traced_step = None

    @property
    def step_stats(self):
        """The traced step's stats; an empty `StepStats` (no ``dev_stats``) when the run was
        not traced, as TensorFlow's message field reads when unset."""
        if self._build_step_stats is not None:
            build, self._build_step_stats = self._build_step_stats, None
            self._step_stats = build()
        if self._step_stats is None:
            if self._unset_step_stats is None:
                from teachflow.runtime.step_stats import StepStats

                self._unset_step_stats = StepStats()
            return self._unset_step_stats
        return self._step_stats

    @property
    def has_step_stats(self) -> bool:
        """Whether a traced run (or its caller) set ``step_stats`` (protobuf's ``HasField``)."""
        return self._build_step_stats is not None or self._step_stats is not None

    def HasField(self, name: str) -> bool:  # noqa: N802 - protobuf's name
        if name == "step_stats":
            return self.has_step_stats
        if name == "cost_graph":
            return self.cost_graph is not None
        raise ValueError(f'Protocol message RunMetadata has no singular "{name}" field.')

    @step_stats.setter
    def step_stats(self, value):
        self._build_step_stats = None
        self._step_stats = value

    def __eq__(self, other):
        return (
            type(self) is type(other)
            and self.step_stats == other.step_stats
            and self.partition_graphs == other.partition_graphs
        )

    def __repr__(self):
        return f"RunMetadata(step_stats={self.step_stats!r}, partition_graphs=[{len(self.partition_graphs)} graphs])"

    # -- TensorFlow's bytes ---------------------------------------------------------------
    def to_proto(self):
        """TensorFlow's ``RunMetadata`` message: step stats, partition graphs (TensorFlow
        GraphDefs) and the cost graph when there is one."""
        from teachflow.proto import messages
        from teachflow.runtime import step_stats_proto

        pb = messages.RunMetadata()
        if self.has_step_stats:
            pb.step_stats.CopyFrom(step_stats_proto.to_proto(self.step_stats))
        for g in self.partition_graphs:
            pb.partition_graphs.add().CopyFrom(_tensorflow_graph_def(g))
        if self.cost_graph is not None:
            pb.cost_graph.CopyFrom(self.cost_graph)
        return pb

    def SerializeToString(self, deterministic=False) -> bytes:  # noqa: N802 - protobuf's name
        """TensorFlow's ``RunMetadata`` bytes (what ``FileWriter.add_run_metadata`` stores and
        TensorBoard, TF's ``timeline.Timeline`` and `RunMetadata.FromString` read).

        >>> md = RunMetadata.FromString(RunMetadata().SerializeToString())
        >>> md.partition_graphs
        []
        """
        return self.to_proto().SerializeToString(deterministic=deterministic)

    def ParseFromString(self, data) -> int:  # noqa: N802 - protobuf's name
        """Replace this record's content with TensorFlow's ``RunMetadata`` bytes."""
        from teachflow.proto import messages

        pb = messages.RunMetadata.FromString(bytes(data))
        self.MergeFromProto(pb, clear=True)
        return len(data)

    def MergeFromProto(self, pb, clear=False) -> None:  # noqa: N802 - protobuf's style
        from teachflow.runtime import step_stats_proto

        if clear:
            self.partition_graphs = []
            self.cost_graph = None
            self.step_stats = None
        if pb.HasField("step_stats"):
            self.step_stats = step_stats_proto.from_proto(pb.step_stats)
        self.partition_graphs.extend(pb.partition_graphs)
        if pb.HasField("cost_graph"):
            self.cost_graph = pb.cost_graph

    @classmethod
    def FromString(cls, data) -> RunMetadata:  # noqa: N802 - protobuf's name
        """A `RunMetadata` from TensorFlow's bytes (or a ``RunMetadata`` message): a run
        TensorFlow traced becomes a record teachflow's views draw."""
        md = cls()
        if hasattr(data, "SerializeToString"):
            md.MergeFromProto(data, clear=True)
        else:
            md.ParseFromString(data)
        return md


def _tensorflow_graph_def(graph_def):
    """A partition graph as TensorFlow's ``GraphDef``. A remote run's partition graphs come
    in teachflow's wire schema (its cluster protocol), converted here."""
    from teachflow.framework.codecs import wire_graph_def

    return wire_graph_def.to_tensorflow(graph_def)
