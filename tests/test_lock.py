"""The environment is reproducible: one lock pins every package, and what was generated from
``.proto`` files matches the generator the lock pins.

A fresh machine resolves the newest versions pyproject.toml allows unless the lock says otherwise,
so these tests tie the three together: pyproject's lower bounds, constraints.txt, and the versions
recorded inside the checked-in generated modules (whose imports refuse an older runtime).
"""

from __future__ import annotations

import importlib.metadata
import pathlib
import re
import subprocess
import sys

import pytest

tomllib = pytest.importorskip("tomllib")

ROOT = pathlib.Path(__file__).resolve().parents[1]
PROTOS = sorted(p.relative_to(ROOT) for p in (ROOT / "teachflow").rglob("*.proto"))
# Those that define gRPC services have a *_pb2_grpc.py module too.
SERVICES = [p for p in PROTOS if re.search(r"^service ", (ROOT / p).read_text(), re.M)]


def version(text: str) -> tuple:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def locked(file: str = "constraints.txt") -> dict:
    pins = {}
    for line in (ROOT / file).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, pinned = line.partition("==")
            assert pinned, f"{file}: {line!r} is not pinned with =="
            pins[name.lower().replace("_", "-")] = pinned
    return pins


def test_the_tensorflow_lock_agrees_with_the_main_lock_and_the_extra():
    main, tf_lock = locked(), locked("constraints-tf.txt")
    shared = sorted(set(main) & set(tf_lock))
    assert {"protobuf", "grpcio", "numpy", "tensorboard"} <= set(shared)
    assert {p: tf_lock[p] for p in shared} == {p: main[p] for p in shared}
    with open(ROOT / "pyproject.toml", "rb") as f:
        extra = tomllib.load(f)["project"]["optional-dependencies"]["tensorflow"]
    assert any(r.startswith(f"tensorflow-cpu~={tf_lock['tensorflow-cpu']}") for r in extra)
    ci = (ROOT / ".ci" / "run").read_text()
    assert f"tensorflow-cpu=={tf_lock['tensorflow-cpu']}" in ci and "-c constraints-tf.txt" in ci


def lower_bound(requirement_name: str) -> tuple:
    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    requirements = project["dependencies"] + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]
    for r in requirements:
        m = re.fullmatch(rf"{re.escape(requirement_name)}\s*>=\s*([\d.]+).*", r.split(";")[0])
        if m:
            return version(m.group(1))
    raise AssertionError(f"pyproject.toml has no lower bound for {requirement_name}")


def generated(proto: pathlib.Path, suffix: str) -> str:
    return (ROOT / proto.with_name(proto.stem + suffix)).read_text()


def test_every_dependency_and_dev_tool_is_pinned():
    pins = locked()
    for name in ("numpy", "grpcio", "protobuf", "tensorboard", "pytest", "ruff", "nbmake"):
        assert name in pins, name
    assert "grpcio-tools" in pins and "jupyterlab" in pins and "pip" in pins
    assert "teachflow" not in pins


def test_the_lock_pins_the_generator_of_the_checked_in_modules():
    pins = locked()
    assert SERVICES, "no .proto file defines a service"
    for proto in SERVICES:
        grpc_module = generated(proto, "_pb2_grpc.py")
        generated_by = re.search(r"GRPC_GENERATED_VERSION = '([\d.]+)'", grpc_module).group(1)
        assert pins["grpcio-tools"] == generated_by, f"{proto}: run `make proto`"
        assert version(pins["grpcio"]) >= version(generated_by)
        # A looser install (pip install teachflow) never gets a grpcio the module refuses.
        assert lower_bound("grpcio") >= version(generated_by)


def test_pyproject_accepts_no_protobuf_older_than_the_generated_code():
    for proto in PROTOS:
        module = generated(proto, "_pb2.py")
        m = re.search(r"Domain\.PUBLIC,\s*(\d+),\s*(\d+),\s*(\d+)", module)
        assert lower_bound("protobuf") >= tuple(int(g) for g in m.groups()), proto


@pytest.mark.parametrize("proto", PROTOS, ids=str)
def test_checked_in_generated_modules_are_current(tmp_path, proto):
    pins = locked()
    installed = importlib.metadata.version("grpcio-tools")
    if installed != pins["grpcio-tools"]:
        pytest.skip(f"grpcio-tools {installed} is installed, the lock pins {pins['grpcio-tools']}")
    suffixes = ["_pb2.py"]
    # tf_wire's files import tensorboard's messages, known to protoc by their descriptors.
    imports = tmp_path / "tensorboard.pb"
    subprocess.run(
        [sys.executable, "teachflow/proto/tf_wire/tensorboard_imports.py", str(imports)],
        cwd=ROOT,
        check=True,
    )
    command = [sys.executable, "-m", "grpc_tools.protoc", "-I.", f"--descriptor_set_in={imports}"]
    command.append(f"--python_out={tmp_path}")
    if proto in SERVICES:
        suffixes.append("_pb2_grpc.py")
        command.append(f"--grpc_python_out={tmp_path}")
    subprocess.run([*command, str(proto)], cwd=ROOT, check=True)
    for suffix in suffixes:
        fresh = (tmp_path / proto.with_name(proto.stem + suffix)).read_text()
        assert fresh == generated(proto, suffix), f"{proto.stem}{suffix} is stale: run `make proto`"


def test_make_installs_from_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    installs = [line for line in makefile.splitlines() if "pip install" in line and "$(PY)" in line]
    assert installs and all("-c $(LOCK)" in line for line in installs)
    assert "LOCK := constraints.txt" in makefile
