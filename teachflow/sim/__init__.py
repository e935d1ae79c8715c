"""Simulated hardware: GPU profiles and the cost model of multi-GPU servers."""

from teachflow.sim.profiles import PROFILES, HardwareProfile, get_profile

__all__ = ["PROFILES", "HardwareProfile", "get_profile"]
