"""The table collision object: the box, the CollisionObject message, and the two ways moveit_py applies it."""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from grasp_servo.robot_profiles import PROFILES, get_profile
from grasp_servo.ros.moveit_scene import (
    TableBox,
    add_table,
    apply_collision_object,
    fill_collision_object,
    table_box,
)


class Header:
    def __init__(self) -> None:
        self.frame_id = ""


class Pose:
    def __init__(self) -> None:
        self.position = SimpleNamespace(x=0.0, y=0.0, z=0.0)
        self.orientation = SimpleNamespace(x=0.0, y=0.0, z=0.0, w=0.0)


class CollisionObject:
    """moveit_msgs/CollisionObject (moveit_msgs ros2 branch): byte operation, ADD=0, REMOVE=1."""

    ADD = b"\x00"
    REMOVE = b"\x01"

    def __init__(self) -> None:
        self.header = Header()
        self.pose = Pose()
        self.id = ""
        self.primitives: list[Any] = []
        self.primitive_poses: list[Any] = []
        self.operation = self.ADD


class SolidPrimitive:
    BOX = 1

    def __init__(self) -> None:
        self.type = 0
        self.dimensions: list[float] = []


TYPES = SimpleNamespace(CollisionObject=CollisionObject, SolidPrimitive=SolidPrimitive, Pose=Pose)


@pytest.mark.parametrize("robot", sorted(PROFILES))
def test_table_lies_under_the_workspace_with_its_top_at_zero(robot: str) -> None:
    workspace = get_profile(robot).workspace
    box = table_box(workspace)
    cx, cy, cz = box.center
    sx, sy, sz = box.size
    assert cz + sz / 2 == pytest.approx(0.0)  # the top face is the table top, z = 0 in base_link
    assert workspace.z_min > 0.0  # every goal stays above it
    assert cx - sx / 2 <= workspace.x_min and cx + sx / 2 >= workspace.x_max
    assert cy - sy / 2 <= workspace.y_min and cy + sy / 2 >= workspace.y_max
    assert box.x_min >= 0.15  # clear of the arm's base, which stands on the table


def test_ur5_table_box() -> None:
    box = table_box(get_profile("ur5").workspace)
    assert box.frame_id == "base_link" and box.object_id == "table"
    assert (box.x_min, box.x_max, box.y_min, box.y_max) == pytest.approx((0.15, 1.0, -0.55, 0.55))
    assert box.size == pytest.approx((0.85, 1.1, 0.04)) and box.center == pytest.approx((0.575, 0.0, -0.02))
    with pytest.raises(ValueError):
        TableBox("base_link", 1.0, 0.5, -1.0, 1.0)


def test_collision_object_message() -> None:
    box = table_box(get_profile("ur5").workspace)
    msg = fill_collision_object(TYPES, box)
    assert msg.header.frame_id == "base_link" and msg.id == "table" and msg.operation == CollisionObject.ADD
    assert [p.type for p in msg.primitives] == [SolidPrimitive.BOX]
    assert msg.primitives[0].dimensions == pytest.approx(list(box.size))
    pose = msg.primitive_poses[0]
    assert (pose.position.x, pose.position.y, pose.position.z) == pytest.approx(box.center)
    assert pose.orientation.w == 1.0 and msg.pose.orientation.w == 1.0
    removal = fill_collision_object(TYPES, box, remove=True)
    assert removal.operation == CollisionObject.REMOVE and removal.primitives == []


class JazzyMonitor:
    """PlanningSceneMonitor with process_collision_object (moveit_py jazzy planning_scene_monitor.cpp)."""

    def __init__(self, accept: bool = True) -> None:
        self.processed: list[Any] = []
        self.accept = accept

    def process_collision_object(self, collision_object_msg: Any, color_msg: Any = None) -> bool:
        self.processed.append(collision_object_msg)
        return self.accept


class Scene:
    def __init__(self) -> None:
        self.applied: list[Any] = []
        self.current_state = SimpleNamespace(update=lambda: self.applied.append("update"))

    def apply_collision_object(self, collision_object_msg: Any, color_msg: Any = None) -> None:
        self.applied.append(collision_object_msg)


class HumbleMonitor:
    """Only read_write() (the Humble backport has no process_collision_object)."""

    def __init__(self) -> None:
        self.scene = Scene()
        self.locked = False

    @contextmanager
    def read_write(self) -> Any:
        self.locked = True
        yield self.scene
        self.locked = False


def test_apply_through_process_collision_object() -> None:
    monitor = JazzyMonitor()
    moveit = SimpleNamespace(get_planning_scene_monitor=lambda: monitor)
    ok, what = add_table(moveit, get_profile("ur5").workspace, types=TYPES)
    assert ok and "table applied" in what and "0.85 x 1.10 x 0.04 m box" in what
    assert [m.id for m in monitor.processed] == ["table"]


def test_apply_through_read_write_where_there_is_no_process_call() -> None:
    monitor = HumbleMonitor()
    msg = fill_collision_object(TYPES, table_box(get_profile("ur5").workspace))
    ok, _ = apply_collision_object(SimpleNamespace(get_planning_scene_monitor=lambda: monitor), msg)
    assert ok and monitor.scene.applied == [msg, "update"] and not monitor.locked


def test_refusals_are_reported_not_raised() -> None:
    msg = fill_collision_object(TYPES, table_box(get_profile("ur5").workspace))
    refused = SimpleNamespace(get_planning_scene_monitor=lambda: JazzyMonitor(accept=False))
    assert apply_collision_object(refused, msg)[0] is False
    assert apply_collision_object(SimpleNamespace(), msg) == (False, "this MoveItPy has no planning scene monitor")

    def broken() -> Any:
        raise RuntimeError("planning scene monitor not initialized")

    ok, what = apply_collision_object(SimpleNamespace(get_planning_scene_monitor=broken), msg)
    assert not ok and "not initialized" in what


def test_real_messages_when_ros_has_moveit_msgs() -> None:
    pytest.importorskip("moveit_msgs.msg", reason="moveit_msgs is not built here (MoveIt is not installed)")
    from grasp_servo.ros.moveit_scene import ros_scene_types

    msg = fill_collision_object(ros_scene_types(), table_box(get_profile("ur5").workspace))
    assert msg.operation == type(msg).ADD and msg.primitives[0].type == msg.primitives[0].BOX
