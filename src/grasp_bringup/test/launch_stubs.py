"""Minimal stand-ins for launch / launch_ros, to run the launch files' Python where ROS 2 is not installed.

Each stub keeps its constructor arguments; substitutions perform against a ``context`` whose
``launch_configurations`` maps argument names to strings, like launch's own LaunchContext.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import types
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[2]


class Substitution:
    def perform(self, context: Any) -> str:
        raise NotImplementedError


def perform(value: Any, context: Any) -> str:
    if isinstance(value, Substitution):
        return value.perform(context)
    if isinstance(value, list | tuple):
        return "".join(perform(v, context) for v in value)
    return str(value)


class LaunchConfiguration(Substitution):
    def __init__(self, name: str) -> None:
        self.name = name

    def perform(self, context: Any) -> str:
        return context.launch_configurations[self.name]


class PathJoinSubstitution(Substitution):
    def __init__(self, parts: list[Any]) -> None:
        self.parts = parts

    def perform(self, context: Any) -> str:
        return os.path.join(*(perform(p, context) for p in self.parts))


class FindPackageShare(Substitution):
    """The package's source folder stands in for its share folder (same launch/ and config/ layout)."""

    def __init__(self, package: str) -> None:
        self.package = package

    def perform(self, context: Any) -> str:
        return str(SRC / self.package)


class Recorded:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args, self.kwargs = args, kwargs


class DeclareLaunchArgument(Recorded):
    @property
    def name(self) -> str:
        return self.args[0]


class OpaqueFunction(Recorded):
    pass


class LaunchDescription(Recorded):
    @property
    def entities(self) -> list[Any]:
        return list(self.args[0])


class Node(Recorded):
    pass


class EmitEvent(Recorded):
    pass


class RegisterEventHandler(Recorded):
    pass


class OnProcessExit(Recorded):
    pass


class Shutdown(Recorded):
    pass


class IncludeLaunchDescription(Recorded):
    pass


class PythonLaunchDescriptionSource(Recorded):
    pass


def stub_modules() -> dict[str, types.ModuleType]:
    """The modules the launch files import, built from the stubs above."""
    contents = {
        "launch": {"LaunchDescription": LaunchDescription},
        "launch.actions": {
            "DeclareLaunchArgument": DeclareLaunchArgument,
            "OpaqueFunction": OpaqueFunction,
            "EmitEvent": EmitEvent,
            "RegisterEventHandler": RegisterEventHandler,
            "IncludeLaunchDescription": IncludeLaunchDescription,
        },
        "launch.launch_description_sources": {"PythonLaunchDescriptionSource": PythonLaunchDescriptionSource},
        "launch.event_handlers": {"OnProcessExit": OnProcessExit},
        "launch.events": {"Shutdown": Shutdown},
        "launch.substitutions": {
            "LaunchConfiguration": LaunchConfiguration,
            "PathJoinSubstitution": PathJoinSubstitution,
        },
        "launch_ros": {},
        "launch_ros.actions": {"Node": Node},
        "launch_ros.substitutions": {"FindPackageShare": FindPackageShare},
    }
    modules = {}
    for name, attributes in contents.items():
        module = types.ModuleType(name)
        module.__dict__.update(attributes)
        modules[name] = module
    return modules


def load_launch_file(path: Path) -> types.ModuleType:
    """Import a launch file by path (under a private module name); the caller installs the stubs first."""
    name = "_launch_" + path.name.replace(".", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def context_for(description: LaunchDescription, **arguments: str) -> Any:
    """A context holding every declared argument's default, replaced by ``arguments``."""
    context = types.SimpleNamespace(launch_configurations={})
    for entity in description.entities:
        if isinstance(entity, DeclareLaunchArgument):
            default = entity.kwargs.get("default_value", "")
            context.launch_configurations[entity.name] = perform(default, context)
    unknown = set(arguments) - set(context.launch_configurations)
    assert not unknown, f"undeclared launch arguments {unknown}"
    context.launch_configurations.update(arguments)
    return context
