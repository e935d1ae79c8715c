"""Write the descriptors of tensorboard's copies of TensorFlow's messages as one
``FileDescriptorSet``, for ``protoc --descriptor_set_in``.

The ``.proto`` files of this folder import ``tensorboard/compat/proto/graph.proto`` and its
siblings, but the tensorboard package ships only the generated Python modules, not the
``.proto`` sources. Their descriptors are inside those modules, which is all protoc needs to
resolve the imports. ``make proto`` runs this file by path (it imports nothing of teachflow):

    python teachflow/proto/tf_wire/tensorboard_imports.py /tmp/tensorboard.pb
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import tensorboard.compat.proto as compat
from google.protobuf import descriptor_pb2


def descriptor_set() -> descriptor_pb2.FileDescriptorSet:
    """Every file of ``tensorboard.compat.proto`` with its dependencies, dependencies first."""
    out, seen = descriptor_pb2.FileDescriptorSet(), set()

    def add(file_descriptor):
        if file_descriptor.name in seen:
            return
        seen.add(file_descriptor.name)
        for dependency in file_descriptor.dependencies:
            add(dependency)
        file_descriptor.CopyToProto(out.file.add())

    for module in pkgutil.iter_modules(compat.__path__):
        if module.name.endswith("_pb2"):
            add(importlib.import_module(f"{compat.__name__}.{module.name}").DESCRIPTOR)
    return out


if __name__ == "__main__":
    with open(sys.argv[1], "wb") as f:
        f.write(descriptor_set().SerializeToString())
