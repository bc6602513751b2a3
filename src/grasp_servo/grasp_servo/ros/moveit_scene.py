"""The table as a MoveIt collision object: a plain box, the CollisionObject message, and applying it.

Plain Python (no ROS at import): ``table_box`` computes the box from the workspace, ``fill_collision_object``
fills a moveit_msgs/CollisionObject given the message classes, ``apply_collision_object`` hands it to
MoveItPy's planning scene monitor. Checked against moveit/moveit2 jazzy (docs/moveit.md):

- ``PlanningSceneMonitor.process_collision_object(collision_object_msg, color_msg=None)``
  (moveit_py/.../planning_scene_monitor/planning_scene_monitor.cpp) locks the scene, applies the object and
  triggers a scene update (published on monitored_planning_scene, so RViz shows it); returns a bool.
- Where that is missing (the Humble backport), the moveit2_tutorials way: ``with psm.read_write() as scene:
  scene.apply_collision_object(msg)`` (returns nothing, publishes nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

TABLE_ID = "table"


@dataclass(frozen=True)
class TableBox:
    """An axis-aligned box in ``frame_id`` whose top face is the table top (metres)."""

    frame_id: str
    x_min: float
    x_max: float
    y_min: float
    y_max: float
    top_z: float = 0.0
    thickness: float = 0.04
    object_id: str = TABLE_ID

    def __post_init__(self) -> None:
        if not (self.x_min < self.x_max and self.y_min < self.y_max and self.thickness > 0.0):
            raise ValueError(f"table box must have a positive size: {self}")

    @property
    def size(self) -> tuple[float, float, float]:
        """SolidPrimitive BOX dimensions (x, y, z)."""
        return (self.x_max - self.x_min, self.y_max - self.y_min, self.thickness)

    @property
    def center(self) -> tuple[float, float, float]:
        return ((self.x_min + self.x_max) / 2, (self.y_min + self.y_max) / 2, self.top_z - self.thickness / 2)


def table_box(
    workspace: Any,
    frame_id: str = "base_link",
    *,
    margin: float = 0.3,
    base_clearance: float = 0.15,
    top_z: float = 0.0,
    thickness: float = 0.04,
) -> TableBox:
    """The table under ``workspace`` (anything with x_min, x_max, y_min, y_max), its top at ``top_z``.

    The box reaches ``margin`` beyond the workspace in x and y but starts no nearer the robot than
    ``base_clearance`` in x: the arm's base stands on the table top (z = 0 in base_link in the simulated
    cell), and a box under it would put the base link in contact with the table in every state, which
    MoveIt's start-state collision check (CheckStartStateCollision) refuses.
    """
    x_min = max(float(workspace.x_min) - margin, base_clearance)
    return TableBox(
        frame_id=frame_id,
        x_min=x_min,
        x_max=float(workspace.x_max) + margin,
        y_min=float(workspace.y_min) - margin,
        y_max=float(workspace.y_max) + margin,
        top_z=top_z,
        thickness=thickness,
    )


def ros_scene_types() -> SimpleNamespace:
    """The message classes ``fill_collision_object`` needs (ROS 2 with moveit_msgs only)."""
    from geometry_msgs.msg import Pose
    from moveit_msgs.msg import CollisionObject
    from shape_msgs.msg import SolidPrimitive

    return SimpleNamespace(CollisionObject=CollisionObject, SolidPrimitive=SolidPrimitive, Pose=Pose)


def fill_collision_object(types: Any, box: TableBox, *, remove: bool = False) -> Any:
    """A CollisionObject that adds (or removes) ``box`` as one BOX primitive.

    ``types`` has CollisionObject, SolidPrimitive and Pose (``ros_scene_types()``, or fakes in tests).
    The object pose is the identity and the primitive pose the box centre, both in ``box.frame_id``.
    """
    msg = types.CollisionObject()
    msg.header.frame_id = box.frame_id
    msg.id = box.object_id
    if remove:
        msg.operation = types.CollisionObject.REMOVE
        return msg
    primitive = types.SolidPrimitive()
    primitive.type = types.SolidPrimitive.BOX
    primitive.dimensions = [float(v) for v in box.size]
    pose = types.Pose()
    pose.position.x, pose.position.y, pose.position.z = (float(v) for v in box.center)
    pose.orientation.w = 1.0
    msg.pose.orientation.w = 1.0
    msg.primitives = [primitive]
    msg.primitive_poses = [pose]
    msg.operation = types.CollisionObject.ADD
    return msg


def apply_collision_object(moveit: Any, msg: Any) -> tuple[bool, str]:
    """Apply ``msg`` to MoveItPy's planning scene; (applied, what happened). Never raises."""
    getter = getattr(moveit, "get_planning_scene_monitor", None)
    if not callable(getter):
        return False, "this MoveItPy has no planning scene monitor"
    try:
        monitor = getter()
        process = getattr(monitor, "process_collision_object", None)
        if callable(process):
            if process(msg):
                return True, f"collision object {msg.id} applied"
            return False, f"the planning scene refused collision object {msg.id} (is {msg.header.frame_id} known?)"
        with monitor.read_write() as scene:
            scene.apply_collision_object(msg)
            scene.current_state.update()  # as moveit2_tutorials' planning scene example does
    except (RuntimeError, TypeError, ValueError, AttributeError) as exc:
        return False, f"collision object {msg.id} not applied: {exc}"
    return True, f"collision object {msg.id} applied (read_write)"


def add_table(moveit: Any, workspace: Any, frame_id: str = "base_link", types: Any = None) -> tuple[bool, str]:
    """Put the table under ``workspace`` into MoveItPy's planning scene (the motion node calls this once)."""
    box = table_box(workspace, frame_id)
    try:
        msg = fill_collision_object(types if types is not None else ros_scene_types(), box)
    except ImportError as exc:
        return False, f"no table in the planning scene: {exc}"
    ok, what = apply_collision_object(moveit, msg)
    size = " x ".join(f"{v:.2f}" for v in box.size)
    return ok, f"{what}: {size} m box, top at z = {box.top_z:g} in {frame_id}"
