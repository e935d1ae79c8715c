"""Simulated hardware: GPU, CPU and network profiles, and the virtual-time model of
multi-GPU servers and clusters (`virtual_timeline`: a traced step replayed on the profiles).

The profiles are plain data that the runtime's devices read; the virtual-time model reads
the runtime's plans, so it is imported when first used (a server that never replays a
step never loads it).
"""

from teachflow.runtime import virtual_time_hook
from teachflow.sim.profiles import (
    CPU_PROFILES,
    NETWORKS,
    PROFILES,
    HardwareProfile,
    NetworkProfile,
    get_cpu_profile,
    get_network,
    get_profile,
)

_VIRTUAL_TIME = ("VirtualTimeline", "simulate_step", "virtual_timeline")

__all__ = [
    "CPU_PROFILES",
    "NETWORKS",
    "PROFILES",
    "HardwareProfile",
    "NetworkProfile",
    "VirtualTimeline",
    "get_cpu_profile",
    "get_network",
    "get_profile",
    "simulate_step",
    "virtual_timeline",
]


def _virtual_step_stats(step):
    # Loads the model on the first virtual-time step only (a server never pays for it).
    from teachflow.sim.virtual_time import replayable, simulate_step

    return simulate_step(replayable(step)).to_step_stats()


virtual_time_hook.install(_virtual_step_stats)


def __getattr__(name):
    if name in _VIRTUAL_TIME:
        from teachflow.sim import virtual_time

        return getattr(virtual_time, name)
    raise AttributeError(f"module 'teachflow.sim' has no attribute {name!r}")
