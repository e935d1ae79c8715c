"""Devices: where kernels run and where state lives.

A device supplies the array module its kernels compute with (``xp``: numpy on the CPU)
and the resource manager that holds its variables.
"""

from __future__ import annotations

import numpy as np

from teachflow.runtime.resources import ResourceManager


class Device:
    def __init__(
        self, name: str, device_type: str, xp=np, resources: ResourceManager | None = None
    ):
        self.name = name
        self.device_type = device_type
        self.xp = xp
        self.resources = resources if resources is not None else ResourceManager()

    def __repr__(self):
        return f"<Device {self.name}>"


def local_cpu(task_name: str = "/job:localhost/replica:0/task:0") -> Device:
    return Device(f"{task_name}/device:CPU:0", "CPU")
