"""``tensorflow.python.tools.inspect_checkpoint``: print what a checkpoint holds, as TF1's
save-and-restore guide does (``chkp.print_tensors_in_checkpoint_file(path, "", True)``).

The lines are TensorFlow's, word for word: ``tensor: v1 (float32) [2]`` and the value, or
the reader's ``v1 (DT_FLOAT) [2]`` listing, then ``# Total number of params: 3``. Errors are
printed, not raised, as TensorFlow does. Also a command:

    python -m teachflow.python.tools.inspect_checkpoint --file_name=/tmp/model.ckpt --all_tensors
"""

from __future__ import annotations

import argparse
import re
import sys

import numpy as np

from teachflow.framework import errors
from teachflow.train.checkpoint_management import NewCheckpointReader

__all__ = ["print_tensors_in_checkpoint_file"]


def _count_total_params(reader, count_exclude_pattern="") -> int:
    shapes = reader.get_variable_to_shape_map()
    if count_exclude_pattern:
        pattern = re.compile(count_exclude_pattern)
        excluded = {k: v for k, v in shapes.items() if pattern.search(k)}
        shapes = {k: v for k, v in shapes.items() if k not in excluded}
        excluded_params = sum(int(np.prod(v)) for v in excluded.values())
        print(
            f"# Excluding {len(excluded)} tensors ({excluded_params} params) that match "
            f"{count_exclude_pattern} when counting."
        )
    return int(sum(int(np.prod(v)) for v in shapes.values()))


def print_tensors_in_checkpoint_file(
    file_name, tensor_name, all_tensors, all_tensor_names=False, count_exclude_pattern=""
):
    """Print the checkpoint's tensors: every one with ``all_tensors`` (names only with
    ``all_tensor_names``), the listing of names, dtypes and shapes for an empty
    ``tensor_name``, else that tensor; then the total number of parameters."""
    try:
        reader = NewCheckpointReader(file_name)
        if all_tensors or all_tensor_names:
            shapes = reader.get_variable_to_shape_map()
            types = reader.get_variable_to_dtype_map()
            for key, shape in sorted(shapes.items()):
                print(f"tensor: {key} ({types[key].name}) {shape}")
                if all_tensors:
                    print(reader.get_tensor(key))
        elif not tensor_name:
            print(reader.debug_string().decode("utf-8", errors="ignore"))
        else:
            if not reader.has_tensor(tensor_name):
                print(f"Tensor {tensor_name} not found in checkpoint")
                return
            shapes = reader.get_variable_to_shape_map()
            types = reader.get_variable_to_dtype_map()
            print(f"tensor: {tensor_name} ({types[tensor_name].name}) {shapes[tensor_name]}")
            print(reader.get_tensor(tensor_name))
        total = _count_total_params(reader, count_exclude_pattern=count_exclude_pattern)
        print(f"# Total number of params: {total}")
    except (errors.OpError, OSError, ValueError) as e:
        print(str(e.message if isinstance(e, errors.OpError) else e))
        if "Data loss" in str(e) and any(s in file_name for s in (".index", ".meta", ".data")):
            proposed = ".".join(file_name.split(".")[0:-1])
            print(
                "\nIt's likely that this is a V2 checkpoint and you need to provide the "
                "filename\n*prefix*.  Try removing the '.' and extension.  Try:\n"
                f"inspect checkpoint --file_name = {proposed}"
            )


def _bool(text) -> bool:
    return str(text).lower() in ("true", "t", "1", "yes")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="inspect_checkpoint")
    parser.add_argument("--file_name", default="", help="a checkpoint's prefix")
    parser.add_argument("--tensor_name", default="", help="the tensor to print")
    parser.add_argument("--count_exclude_pattern", default="", help="names not counted")
    for flag in ("--all_tensors", "--all_tensor_names"):
        parser.add_argument(flag, nargs="?", const=True, type=_bool, default=False)
    args = parser.parse_args(argv)
    if not args.file_name:
        print(
            "Usage: inspect_checkpoint --file_name=checkpoint_file_name "
            "[--tensor_name=tensor_to_print] [--all_tensors] [--all_tensor_names] "
            "[--printoptions]"
        )
        return 1
    print_tensors_in_checkpoint_file(
        args.file_name,
        args.tensor_name,
        args.all_tensors,
        args.all_tensor_names,
        count_exclude_pattern=args.count_exclude_pattern,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
