"""``tf.config``: the devices this process has and the runtime settings every session made
without a ``ConfigProto`` starts from (as in TF 2.21, whose ``tf.compat.v1.Session`` takes
its default config from these settings).

    >>> import teachflow as tf
    >>> tf.config.list_physical_devices("CPU")
    [PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]
    >>> tf.config.threading.get_inter_op_parallelism_threads()
    0

GPUs are the real ones cupy sees, or the simulated ones of ``TEACHFLOW_SIMULATED_GPUS``;
``tf.config.experimental.set_memory_growth(gpu, True)`` makes that GPU's allocator grow in
every later session, as ``gpu_options.allow_growth`` does for one.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import NamedTuple

from teachflow.runtime import context
from teachflow.runtime.devices import make_local_devices, visible_gpus

__all__ = [
    "LogicalDevice",
    "PhysicalDevice",
    "experimental",
    "get_soft_device_placement",
    "get_visible_devices",
    "list_logical_devices",
    "list_physical_devices",
    "set_soft_device_placement",
    "threading",
]


class PhysicalDevice(NamedTuple):
    name: str
    device_type: str


class LogicalDevice(NamedTuple):
    name: str
    device_type: str


def list_physical_devices(device_type=None):
    """The CPU and the GPUs (``device_type`` "CPU" or "GPU" keeps those only)."""
    devices = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    devices += [
        PhysicalDevice(f"/physical_device:GPU:{i}", "GPU") for i, _ in enumerate(visible_gpus())
    ]
    return [d for d in devices if device_type is None or d.device_type == device_type]


def list_logical_devices(device_type=None):
    """The devices a session made now would have: ``/device:CPU:0``, ``/device:GPU:0``..."""
    devices = [
        LogicalDevice(d.name, d.device_type)
        for d in make_local_devices(context.default_config(), task_name="")
    ]
    return [d for d in devices if device_type is None or d.device_type == device_type]


def get_visible_devices(device_type=None):
    """The physical devices sessions use: all of them (teachflow hides none)."""
    return list_physical_devices(device_type)


def get_soft_device_placement() -> bool:
    return context.settings["allow_soft_placement"]


def set_soft_device_placement(enabled) -> None:
    """Sessions made without a config place an op that asks for a missing device elsewhere."""
    context.update(allow_soft_placement=bool(enabled))


def _memory_growth_index(device):
    if getattr(device, "device_type", None) != "GPU":
        raise ValueError("Cannot set memory growth on non-GPU and non-Pluggable devices")
    gpus = list_physical_devices("GPU")
    if device not in gpus:
        raise ValueError(f"Unrecognized device: {device!r}")
    return visible_gpus()[gpus.index(device)].id


def set_memory_growth(device, enable) -> None:
    """Whether ``device``'s (a GPU's) memory grows as needed in sessions made from now on."""
    context.memory_growth[_memory_growth_index(device)] = bool(enable)


def get_memory_growth(device) -> bool:
    return context.memory_growth.get(_memory_growth_index(device), False)


experimental = SimpleNamespace(
    get_visible_devices=get_visible_devices,
    list_physical_devices=list_physical_devices,
    list_logical_devices=list_logical_devices,
    get_memory_growth=get_memory_growth,
    set_memory_growth=set_memory_growth,
)

threading = SimpleNamespace(
    get_inter_op_parallelism_threads=lambda: context.settings["inter_op_parallelism_threads"],
    get_intra_op_parallelism_threads=lambda: context.settings["intra_op_parallelism_threads"],
    set_inter_op_parallelism_threads=lambda n: context.update(inter_op_parallelism_threads=n),
    set_intra_op_parallelism_threads=lambda n: context.update(intra_op_parallelism_threads=n),
)
