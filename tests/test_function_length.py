"""The runtime and the distributed layer read in one sitting: no function over 80 lines.

Generated protobuf modules (``*_pb2*.py``) are left out: nobody writes or reads them.
"""

import ast
from pathlib import Path

import teachflow

MOST_LINES = 80
PACKAGE = Path(teachflow.__file__).parent
CHECKED = ("runtime", "distributed")


def long_functions(root: Path, most: int = MOST_LINES) -> list:
    """``path:line name (n lines)`` (path from ``root``'s parent) for each function or
    method under ``root`` longer than ``most`` lines, decorators and docstring included."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if "_pb2" in path.name:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                n = node.end_lineno - first + 1
                if n > most:
                    where = path.relative_to(root.parent)
                    found.append(f"{where}:{node.lineno} {node.name} ({n} lines)")
    return found


def test_no_function_in_runtime_or_distributed_is_over_80_lines():
    found = [f for package in CHECKED for f in long_functions(PACKAGE / package)]
    assert not found, "split these along an idea:\n" + "\n".join(found)


def test_the_check_finds_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MOST_LINES))
    (tmp_path / "long.py").write_text(f"def too_long():\n{body}\n")
    (tmp_path / "short.py").write_text(f"def just_fits():\n{body[: body.rindex(chr(10))]}\n")
    (tmp_path / "long_pb2.py").write_text(f"def generated():\n{body}\n")
    assert long_functions(tmp_path) == [f"{tmp_path.name}/long.py:1 too_long (81 lines)"]
