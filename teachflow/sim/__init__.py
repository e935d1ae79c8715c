"""Simulated hardware: GPU, CPU and network profiles, and the virtual-time model of
multi-GPU servers (`virtual_timeline`: a traced step replayed on the profiles)."""

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
from teachflow.sim.virtual_time import VirtualTimeline, simulate_step, virtual_timeline

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
