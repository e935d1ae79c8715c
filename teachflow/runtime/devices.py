"""Devices: where kernels run, where tensors and state live.

A device supplies the array module its kernels compute with (``xp``: numpy on a CPU or a
simulated GPU, cupy on a real GPU), an allocator that accounts for its memory, and the
resource manager that holds its variables.

Which GPUs a session sees follows TensorFlow's rules: the physical GPUs (real ones found
through cupy, or simulated ones when asked for), filtered by ``CUDA_VISIBLE_DEVICES``, then
renumbered by ``GPUOptions.visible_device_list`` and capped by ``device_count["GPU"]``.

The host CPU has no memory limit unless one is asked for (``ConfigProto(cpu_memory_limit=
"2GiB")`` or ``TEACHFLOW_CPU_MEMORY_LIMIT=2GiB``); kernels whose output size comes from
input values still refuse an output beyond 80% of physical memory before allocating it.

Asking for simulated GPUs takes one line, either of

    tf.ConfigProto(simulated_gpus=4)           # optionally simulated_gpu_profile="v100"
    TEACHFLOW_SIMULATED_GPUS=4                 # in the environment
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from teachflow.framework import errors
from teachflow.runtime import context
from teachflow.runtime.hardware_profiles import get_profile
from teachflow.runtime.memory import Allocator, host_capacity, parse_bytes
from teachflow.runtime.resources import ResourceManager

# TensorFlow leaves this much of a GPU to the driver when it takes "all" of it.
_GPU_RESERVE_FRACTION = 0.05


@dataclass(frozen=True)
class PhysicalGPU:
    id: int
    name: str
    memory_bytes: int
    simulated: bool
    profile: object = None


class Device:
    def __init__(
        self,
        name,
        device_type,
        index,
        xp=np,
        allocator=None,
        resources=None,
        physical=None,
        description="",
    ):
        self.name = name
        self.device_type = device_type
        self.index = index
        self.xp = xp
        self.allocator = allocator or Allocator("cpu")
        self.resources = resources if resources is not None else ResourceManager()
        self.physical = physical
        self.description = description
        # Real and simulated GPUs run their kernels one after another on one stream.
        self.has_stream = device_type == "GPU"
        self.incarnation = (hash(name) ^ id(self)) & 0x7FFFFFFFFFFFFFFF

    @property
    def simulated(self) -> bool:
        return self.physical is not None and self.physical.simulated

    @property
    def memory_limit_bytes(self) -> int:
        return self.allocator.limit if self.allocator.limit is not None else 268435456

    def attributes(self) -> DeviceAttributes:
        return DeviceAttributes(
            self.name, self.device_type, self.memory_limit_bytes, self.incarnation, self.description
        )

    def __repr__(self):
        return f"<Device {self.name}>"


@dataclass(frozen=True)
class DeviceAttributes:
    """What ``Session.list_devices()`` returns for each device."""

    name: str
    device_type: str
    memory_limit_bytes: int
    incarnation: int
    physical_device_desc: str = ""


def _real_gpus():
    try:
        import cupy
    except ImportError:
        return []
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception:  # noqa: BLE001 - no driver, no device: no real GPU
        return []
    out = []
    for i in range(n):
        props = cupy.cuda.runtime.getDeviceProperties(i)
        name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        out.append(PhysicalGPU(i, name, int(props["totalGlobalMem"]), False))
    return out


def physical_gpus(config) -> list[PhysicalGPU]:
    """The GPUs this process could use, before CUDA_VISIBLE_DEVICES and the config."""
    n_sim = getattr(config, "simulated_gpus", None)
    if n_sim is None:
        env = os.environ.get("TEACHFLOW_SIMULATED_GPUS", "")
        n_sim = int(env) if env.strip() else 0
    if n_sim:
        profile = get_profile(
            getattr(config, "simulated_gpu_profile", None)
            or os.environ.get("TEACHFLOW_SIMULATED_GPU_PROFILE")
        )
        return [
            PhysicalGPU(i, f"simulated {profile.name}", profile.memory_bytes, True, profile)
            for i in range(n_sim)
        ]
    return _real_gpus()


def visible_gpus(config=None) -> list[PhysicalGPU]:
    """The GPUs this process may use: `physical_gpus` that CUDA_VISIBLE_DEVICES shows."""
    return _cuda_visible(physical_gpus(config))


def _cuda_visible(gpus):
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is None:
        return gpus
    ids = [s.strip() for s in env.split(",")]
    by_id = {str(g.id): g for g in gpus}
    visible = []
    for s in ids:
        if s not in by_id:
            break  # CUDA stops at the first invalid entry
        visible.append(by_id[s])
    return visible


def _visible_device_list(gpus, spec):
    if not spec:
        return gpus
    out = []
    for s in spec.split(","):
        s = s.strip()
        if not s.isdigit() or int(s) >= len(gpus):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"'visible_device_list' listed an invalid GPU id '{s}' but visible device count "
                f"is {len(gpus)}",
            )
        out.append(gpus[int(s)])
    if len(set(out)) != len(out):
        raise errors.InvalidArgumentError(
            None, None, f"visible_device_list contained a duplicate entry: {spec}"
        )
    return out


def cpu_memory_limit(config) -> int | None:
    """The host CPU's memory limit asked for: ``ConfigProto.cpu_memory_limit``, else the
    environment's ``TEACHFLOW_CPU_MEMORY_LIMIT`` (bytes, or "2GiB", "512MB"), else None."""
    asked = getattr(config, "cpu_memory_limit", None)
    source = "ConfigProto.cpu_memory_limit"
    if asked is None:
        asked = os.environ.get("TEACHFLOW_CPU_MEMORY_LIMIT", "").strip() or None
        source = "TEACHFLOW_CPU_MEMORY_LIMIT"
    if asked is None:
        return None
    try:
        return parse_bytes(asked)
    except ValueError as e:
        raise errors.InvalidArgumentError(None, None, f"{source}: {e}") from None


def make_local_devices(config, task_name="/job:localhost/replica:0/task:0", resources=None):
    """The devices of one task (a local session, or one server), from its config."""
    counts = dict(getattr(config, "device_count", None) or {})
    n_cpu = max(1, int(counts.get("CPU", 1)))
    cpu_limit = cpu_memory_limit(config)
    guard = host_capacity()
    devices = [
        Device(
            f"{task_name}/device:CPU:{i}",
            "CPU",
            i,
            allocator=Allocator("cpu" if i == 0 else f"cpu_{i}", limit=cpu_limit, capacity=guard),
            resources=resources if i == 0 else None,
        )
        for i in range(n_cpu)
    ]
    gpu_options = getattr(config, "gpu_options", None)
    gpus = _visible_device_list(
        _cuda_visible(physical_gpus(config)), getattr(gpu_options, "visible_device_list", "")
    )
    if "GPU" in counts:
        gpus = gpus[: int(counts["GPU"])]
    fraction = getattr(gpu_options, "per_process_gpu_memory_fraction", 0.0) or 0.0
    growth = bool(getattr(gpu_options, "allow_growth", False))
    for i, phys in enumerate(gpus):
        grows = growth or context.memory_growth.get(phys.id, False)  # tf.config's setting
        if fraction > 0:
            limit = int(phys.memory_bytes * fraction)
        else:
            limit = int(phys.memory_bytes * (1 - _GPU_RESERVE_FRACTION))
        xp = np
        if not phys.simulated:
            import cupy

            xp = cupy
        desc = f"device: {i}, name: {phys.name}, pci bus id: 0000:{phys.id:02x}:00.0"
        if phys.profile is not None:
            desc += f", compute capability: {phys.profile.compute_capability}"
        devices.append(
            Device(
                f"{task_name}/device:GPU:{i}",
                "GPU",
                i,
                xp=xp,
                allocator=Allocator(f"GPU_{i}_bfc", limit=limit, allow_growth=grows),
                resources=resources,
                physical=phys,
                description=desc,
            )
        )
    if resources is not None:
        for d in devices:
            d.resources = resources
    return devices
