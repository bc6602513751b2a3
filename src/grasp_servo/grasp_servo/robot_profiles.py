"""Robot profiles: what the servo and the motion backends need to know about each supported arm.

Workspaces are in each robot's base_link with the table top at z = 0 for the embedded world; on real cells
override them from the parameter file. Joint names follow each vendor's ROS 2 description packages
(ur_description, abb_irb120 MoveIt config, kortex/jaco descriptions).
"""

from __future__ import annotations

from dataclasses import dataclass

from grasp_servo.workspace import Workspace


@dataclass(frozen=True)
class RobotProfile:
    """Static facts about one arm + gripper."""

    name: str
    joint_names: tuple[str, ...]
    base_frame: str
    tool_frame: str
    planning_group: str
    workspace: Workspace
    home_joints: tuple[float, ...]
    max_opening: float
    embedded: bool  # whether the embedded MuJoCo world models this arm


PROFILES: dict[str, RobotProfile] = {
    "ur5": RobotProfile(
        name="ur5",
        joint_names=(
            "shoulder_pan_joint",
            "shoulder_lift_joint",
            "elbow_joint",
            "wrist_1_joint",
            "wrist_2_joint",
            "wrist_3_joint",
        ),
        base_frame="base_link",
        tool_frame="tool0",
        planning_group="ur_manipulator",
        workspace=Workspace(0.30, 0.70, -0.25, 0.25, 0.015, 0.35),
        home_joints=(0.0, -1.57, 1.57, -1.57, -1.57, 0.0),
        max_opening=0.085,
        embedded=True,
    ),
    "abb": RobotProfile(
        name="abb",
        joint_names=("joint_1", "joint_2", "joint_3", "joint_4", "joint_5", "joint_6"),
        base_frame="base_link",
        tool_frame="tool0",
        planning_group="manipulator",
        workspace=Workspace(0.25, 0.50, -0.20, 0.20, 0.015, 0.30),
        home_joints=(0.0, 0.0, 0.0, 0.0, 1.5708, 0.0),
        max_opening=0.05,
        embedded=False,
    ),
    "jaco": RobotProfile(
        name="jaco",
        joint_names=("joint_1", "joint_2", "joint_3", "joint_4", "joint_5", "joint_6"),
        base_frame="base_link",
        tool_frame="end_effector_link",
        planning_group="manipulator",
        workspace=Workspace(0.25, 0.60, -0.25, 0.25, 0.015, 0.35),
        home_joints=(0.0, 2.9, 1.3, -2.07, 1.4, 0.0),
        max_opening=0.085,
        embedded=False,
    ),
}


def get_profile(name: str) -> RobotProfile:
    """The profile called ``name``; a clear error lists the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown robot '{name}': choose one of {', '.join(sorted(PROFILES))}") from None
