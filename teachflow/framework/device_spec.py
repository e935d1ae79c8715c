"""Device names: parse, merge and print them the way TensorFlow does.

    >>> import teachflow as tf
    >>> tf.DeviceSpec.from_string("/job:ps/task:0/gpu:1").to_string()
    '/job:ps/task:0/device:GPU:1'

Nested ``tf.device`` scopes merge field by field: the inner scope's fields win, the outer
scope fills in whatever the inner one left unset.
"""

from __future__ import annotations

import functools

_FIELDS = ("job", "replica", "task", "device_type", "device_index")


class DeviceSpec:
    __slots__ = _FIELDS

    def __init__(self, job=None, replica=None, task=None, device_type=None, device_index=None):
        self.job = job
        self.replica = None if replica is None else int(replica)
        self.task = None if task is None else int(task)
        self.device_type = _canonical_type(device_type)
        self.device_index = None if device_index is None else int(device_index)

    @classmethod
    def from_string(cls, spec: str) -> DeviceSpec:
        return _parse(spec or "")

    def parse_from_string(self, spec: str) -> DeviceSpec:
        parsed = _parse(spec or "")
        for f in _FIELDS:
            setattr(self, f, getattr(parsed, f))
        return self

    def merge_from(self, dev: DeviceSpec) -> None:
        """Overwrite this spec's fields with every field that ``dev`` sets."""
        for f in _FIELDS:
            v = getattr(dev, f)
            if v is not None:
                setattr(self, f, v)

    def make_merged_spec(self, dev: DeviceSpec) -> DeviceSpec:
        merged = self.copy()
        merged.merge_from(dev)
        return merged

    def replace(self, **kwargs) -> DeviceSpec:
        out = self.copy()
        for k, v in kwargs.items():
            setattr(out, k, v if k in ("job",) else v)
        out.device_type = _canonical_type(out.device_type)
        return out

    def copy(self) -> DeviceSpec:
        return DeviceSpec(self.job, self.replica, self.task, self.device_type, self.device_index)

    def to_string(self) -> str:
        out = []
        if self.job is not None:
            out.append(f"/job:{self.job}")
        if self.replica is not None:
            out.append(f"/replica:{self.replica}")
        if self.task is not None:
            out.append(f"/task:{self.task}")
        if self.device_type is not None:
            index = "*" if self.device_index is None else self.device_index
            out.append(f"/device:{self.device_type}:{index}")
        return "".join(out)

    def __eq__(self, other):
        return isinstance(other, DeviceSpec) and all(
            getattr(self, f) == getattr(other, f) for f in _FIELDS
        )

    def __hash__(self):
        return hash(self.to_string())

    def __repr__(self):
        return f"DeviceSpec({self.to_string()!r})"


def _canonical_type(t):
    if t is None:
        return None
    upper = t.upper()
    return upper if upper in ("CPU", "GPU") else t


def _parse(spec: str) -> DeviceSpec:
    d = DeviceSpec.__new__(DeviceSpec)
    d.job, d.replica, d.task, d.device_type, d.device_index = _parse_fields(spec)
    return d


# A graph names a handful of devices many thousands of times (every node, every edge the
# placer and partitioners look at): parse each distinct string once.
@functools.lru_cache(maxsize=4096)
def _parse_fields(spec: str) -> tuple:
    d = DeviceSpec()
    for part in spec.split("/"):
        if not part:
            continue
        y = part.split(":")
        key = y[0].lower()
        try:
            if len(y) == 2 and key == "job":
                d.job = y[1]
            elif len(y) == 2 and key == "replica":
                d.replica = int(y[1])
            elif len(y) == 2 and key == "task":
                d.task = int(y[1])
            elif len(y) in (1, 2) and key in ("cpu", "gpu"):
                d.device_type = key.upper()
                if len(y) == 2 and y[1] != "*":
                    d.device_index = int(y[1])
            elif len(y) == 3 and key == "device":
                d.device_type = _canonical_type(y[1])
                if y[2] != "*":
                    d.device_index = int(y[2])
            elif len(y) == 2 and key == "device":
                d.device_type = _canonical_type(y[1])
            else:
                raise ValueError
        except ValueError:
            raise ValueError(f"Unknown attribute: '{part}' in '{spec}'") from None
    return (d.job, d.replica, d.task, d.device_type, d.device_index)


def canonical_name(spec) -> str:
    """A device string or DeviceSpec in TensorFlow's canonical printed form."""
    if spec is None:
        return ""
    if isinstance(spec, DeviceSpec):
        return spec.to_string()
    return _parse(spec).to_string()
