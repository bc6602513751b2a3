"""Every src/*/package.xml declares, with a real rosdep key, what its package's code and tests import.

So that ``rosdep install --from-paths src --ignore-src -y`` installs everything on Ubuntu 24.04 / Jazzy. The
keys below were looked up in ros/rosdistro (commit 8468e88, 2026-08-22): ``rosdep/python.yaml``,
``rosdep/base.yaml`` and the package list of ``jazzy/distribution.yaml``; ``rosdep install --simulate
--os=ubuntu:noble --rosdistro=jazzy`` resolved all of them (docs/ros_install.md). A Python dependency without
a key is listed in NO_KEY with the reason; it comes from requirements/runtime.lock (pip) instead.
Runs anywhere: plain XML and ``ast``, no ROS needed.
"""

from __future__ import annotations

import ast
import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2]
PACKAGES = sorted(p.parent.name for p in SRC.glob("*/package.xml"))
TAGS = ("depend", "build_depend", "exec_depend", "buildtool_depend", "test_depend", "build_export_depend")
RUN_TAGS = ("depend", "exec_depend")
# colcon orders packages by all of their dependencies, test ones included: this order must hold.
ORDER = [
    "grasp_interfaces", "grasp_perception", "grasp_servo", "grasp_sim", "grasp_datacollect", "grasp_bringup",
]

# ROS 2 packages used here, all released for Jazzy (jazzy/distribution.yaml); the key is the package name.
JAZZY_PACKAGES = {
    "action_msgs", "ament_cmake", "ament_index_python", "builtin_interfaces", "control_msgs", "geometry_msgs",
    "launch", "launch_ros", "launch_testing", "launch_testing_ros", "moveit_py", "rcl_interfaces", "rclpy",
    "ros2bag", "ros2launch", "rosbag2_py", "rosbag2_storage_default_plugins", "rosgraph_msgs",
    "rosidl_default_generators", "rosidl_default_runtime", "rosidl_runtime_py", "sensor_msgs", "shape_msgs", "std_msgs",
    "std_srvs", "tf2_msgs", "tf2_ros_py", "trajectory_msgs", "visualization_msgs",
    *("moveit_msgs", "moveit_configs_utils", "launch_param_builder", "ur_moveit_config", "ur_description"),
}
# Optional: only for ik_backend moveit, installed by rosdep with GRASP_WITH_MOVEIT=1.
MOVEIT_KEYS = {"moveit_py", "moveit_msgs", "moveit_configs_utils", "launch_param_builder", "ur_moveit_config",
               "ur_description"}
# Keys of rosdep/python.yaml (Ubuntu noble: apt package, or pip where the key ends in -pip).
PYTHON_KEYS = {
    "python3-numpy", "python3-scipy", "python3-networkx", "python3-tqdm", "python3-matplotlib", "python3-opencv",
    "python3-yaml", "python3-pytest", "python3-hypothesis", "python3-ruamel.yaml", "python3-mujoco-pip",
    "python3-trimesh-pip", "python3-onnxruntime-pip", "python3-rosbags-pip", "mcap-ros2-support",
}
# Python import name -> rosdep key.
IMPORT_KEYS = {
    "numpy": "python3-numpy", "scipy": "python3-scipy", "networkx": "python3-networkx", "tqdm": "python3-tqdm",
    "matplotlib": "python3-matplotlib", "cv2": "python3-opencv", "yaml": "python3-yaml", "pytest": "python3-pytest",
    "hypothesis": "python3-hypothesis", "ruamel": "python3-ruamel.yaml", "mujoco": "python3-mujoco-pip",
    "trimesh": "python3-trimesh-pip", "onnxruntime": "python3-onnxruntime-pip", "rosbags": "python3-rosbags-pip",
    "mcap_ros2": "mcap-ros2-support", "tf2_ros": "tf2_ros_py", "moveit": "moveit_py",
    **{name: name for name in JAZZY_PACKAGES},
}
# pip distribution name (setup.py) -> rosdep key.
DIST_KEYS = {
    "numpy": "python3-numpy", "scipy": "python3-scipy", "networkx": "python3-networkx", "tqdm": "python3-tqdm",
    "matplotlib": "python3-matplotlib", "opencv-python-headless": "python3-opencv", "pytest": "python3-pytest",
    "hypothesis": "python3-hypothesis", "mujoco": "python3-mujoco-pip", "trimesh": "python3-trimesh-pip",
    "onnxruntime": "python3-onnxruntime-pip", "rosbags": "python3-rosbags-pip",
    "mcap-ros2-support": "mcap-ros2-support",
}
# No rosdep key (checked in rosdep/python.yaml and base.yaml): pip only, from requirements/*.lock.
NO_KEY = {
    "mink": "no key; pip (runtime.lock), with its QP solver daqp",
    "coacd": "no key; pip (runtime.lock)",
    "charset-normalizer": "no key; pip (runtime.lock), trimesh's OBJ text decoding",
    "onnx": "no key; pip (runtime.lock)",
    "mcap": "no key; pip (runtime.lock)",
    "torch": "training only: torch==2.13.0 CPU from PyTorch's index (scripts/setup.sh --dev); python3-torch "
             "(apt) would be another build",
    "onnxscript": "ONNX export only (dev.lock); no key",
}
NO_KEY_IMPORTS = {"mink", "coacd", "onnx", "mcap", "torch", "onnxscript"}
# (package, imported grasp package) that cannot be declared: it would close a dependency cycle (ORDER).
UPWARD_IMPORTS = {
    ("grasp_servo", "grasp_sim"): "the motion node's builtin IK backend imports grasp_sim lazily; grasp_bringup, "
                                  "which launches the node, declares grasp_sim",
    ("grasp_servo", "grasp_datacollect"): "tests only",
    ("grasp_perception", "grasp_servo"): "tests only",
    ("grasp_perception", "grasp_sim"): "tests only",
}


def manifest(package: str) -> ET.Element:
    return ET.parse(SRC / package / "package.xml").getroot()


def declared(package: str, tags: tuple[str, ...] = TAGS) -> set[str]:
    return {e.text.strip() for tag in tags for e in manifest(package).findall(tag) if e.text}


def with_upstream(package: str) -> set[str]:
    """What a package's tests can count on: its own dependencies and the run dependencies of the grasp
    packages it depends on, recursively (rosdep installs them all from the workspace)."""
    deps, todo = declared(package), [package]
    while todo:
        for upstream in declared(todo.pop(), RUN_TAGS) & set(PACKAGES):
            new = declared(upstream, RUN_TAGS) - deps
            deps |= new | {upstream}
            todo.append(upstream)
    return deps


def active(package: str) -> set[str]:
    """Dependencies colcon and rosdep see by default (a condition on an unset variable is false)."""
    deps = set()
    for tag in TAGS:
        for element in manifest(package).findall(tag):
            condition = element.get("condition")
            if condition is None or os.environ.get(condition.split()[0].lstrip("$")) == condition.split()[-1]:
                deps.add(element.text.strip())
    return deps


def imports(files: list[Path]) -> set[str]:
    """Top-level module names imported (also lazily, and by ``pytest.importorskip("name")``)."""
    names: set[str] = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
            elif (
                isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "importorskip"
                and node.args and isinstance(node.args[0], ast.Constant)
            ):
                names.add(str(node.args[0].value).split(".")[0])
    return names - set(sys.stdlib_module_names)


def code_and_test_imports(package: str) -> tuple[set[str], set[str]]:
    root = SRC / package
    code = imports([*root.glob(f"{package}/**/*.py"), *root.glob("launch/*.py")])
    test_files = list(root.glob("test/**/*.py"))
    local = {p.stem for p in test_files}
    return code - {package}, imports(test_files) - code - local - {package}


def setup_requirements(package: str) -> set[str]:
    """Distribution names in setup.py's install_requires and extras_require (literal lists)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse((SRC / package / "setup.py").read_text())):
        if isinstance(node, ast.keyword) and node.arg in ("install_requires", "extras_require"):
            for const in ast.walk(node.value):
                if isinstance(const, ast.Constant) and isinstance(const.value, str) and node.arg == "install_requires":
                    names.add(const.value)
                elif isinstance(const, ast.List):
                    names.update(c.value for c in const.elts if isinstance(c, ast.Constant))
    return {n.split(";")[0].split("[")[0].split("=")[0].split(">")[0].split("<")[0].strip() for n in names}


def test_every_declared_key_exists() -> None:
    for package in PACKAGES:
        unknown = declared(package) - JAZZY_PACKAGES - PYTHON_KEYS - set(PACKAGES)
        assert not unknown, f"{package}/package.xml: {sorted(unknown)} are not verified rosdep keys"


@pytest.mark.parametrize("package", [p for p in PACKAGES if p != "grasp_interfaces"])
def test_imports_have_declared_keys(package: str) -> None:
    code, tests = code_and_test_imports(package)
    for names, deps, where in ((code, declared(package, RUN_TAGS), "code"), (tests, with_upstream(package), "tests")):
        for name in sorted(names):
            if name in PACKAGES:
                assert name in deps or (package, name) in UPWARD_IMPORTS, f"{package} {where} import {name}"
            elif name not in NO_KEY_IMPORTS:
                assert name in IMPORT_KEYS, f"{package} {where} imports {name}: add its rosdep key (or NO_KEY)"
                assert IMPORT_KEYS[name] in deps, f"{package}/package.xml lacks {IMPORT_KEYS[name]} ({where})"


@pytest.mark.parametrize("package", [p for p in PACKAGES if (SRC / p / "setup.py").is_file()])
def test_pip_requirements_have_keys_or_a_reason(package: str) -> None:
    for name in sorted(setup_requirements(package)):
        if name in NO_KEY:
            continue
        assert name in DIST_KEYS, f"{package}/setup.py requires {name}: add its rosdep key (or NO_KEY)"
        extras_only = name in {"pytest", "hypothesis", "mcap-ros2-support", "tqdm"}
        deps = declared(package) if extras_only else declared(package, RUN_TAGS)
        assert DIST_KEYS[name] in deps, f"{package}/package.xml lacks {DIST_KEYS[name]} for {name}"


def test_packages_keep_their_order_with_test_dependencies() -> None:
    assert sorted(ORDER) == PACKAGES
    for package in PACKAGES:
        upstream = active(package) & set(PACKAGES)
        later = [p for p in upstream if ORDER.index(p) >= ORDER.index(package)]
        assert not later, f"{package} depends on {later}: colcon would find a cycle"


def test_moveit_is_optional() -> None:
    for package in PACKAGES:
        for element in manifest(package).iter():
            conditional = element.get("condition") == "$GRASP_WITH_MOVEIT == 1"
            assert conditional == ((element.text or "").strip() in MOVEIT_KEYS), f"{package}: {element.text}"
