"""Robot profiles: what the servo, the motion backends and the simulated robot need to know about each arm.

Each profile binds an arm to its real ROS 2 stack: joint names, frames and planning group of the vendor's
description and MoveIt config, the trajectory controller's action, and the gripper's action, joint and units.
The values are checked against the vendors' files (docs/robots.md says which file gave which value, and
grasp_bringup's test_robot_profiles checks them against the descriptions we ship).

Workspaces and object regions are in each robot's base_link with the table top at z = 0 (the simulated
worlds); on real cells override the workspace from the parameter file.
"""

from __future__ import annotations

from dataclasses import dataclass

from grasp_servo.workspace import Workspace


@dataclass(frozen=True)
class GripperBinding:
    """How a gripper is driven on ROS 2: a control_msgs/GripperCommand action on one joint."""

    model: str  # e.g. "Robotiq 2F-85"
    action: str  # the GripperCommand action
    joint: str  # the joint in /joint_states whose position gives the opening
    open_position: float  # GripperCommand position (the joint's units) to open fully
    closed_position: float  # ... to close fully (the pads touching)
    units: str  # the joint's units, for people
    max_opening: float  # m between the pads at open_position


ROBOTIQ_2F85_KNUCKLE = GripperBinding(
    model="Robotiq 2F-85",
    action="/robotiq_gripper_controller/gripper_cmd",
    joint="robotiq_85_left_knuckle_joint",
    open_position=0.0,
    closed_position=0.8,
    units="rad (knuckle)",
    max_opening=0.085,
)

#: kinova-ros's gripper_command_action_server (ROS 1): GripperCommand on the finger joints, rad, 0.0 open; 1.4 rad
#: is its full close (6400 "turns").
KINOVA_KG2_FINGERS = GripperBinding(
    model="Kinova KG-2",
    action="/j2n6s200_gripper/gripper_command",
    joint="j2n6s200_joint_finger_1",
    open_position=0.0,
    closed_position=1.4,
    units="rad (finger joint)",
    max_opening=0.175,
)


@dataclass(frozen=True)
class RobotProfile:
    """Static facts about one arm + gripper + wrist camera."""

    name: str
    model: str  # what it is, e.g. "Universal Robots UR5 + Robotiq 2F-85"
    joint_names: tuple[str, ...]
    base_frame: str
    tool_frame: str  # the flange frame of the vendor's description (the gripper is mounted on it)
    planning_group: str
    trajectory_action: str  # control_msgs/FollowJointTrajectory of the arm's trajectory controller
    gripper: GripperBinding
    workspace: Workspace
    object_x_range: tuple[float, float]  # where the simulated worlds drop objects (base_link x)
    object_y_range: tuple[float, float]
    home_joints: tuple[float, ...]
    max_joint_speed: float  # rad/s: the slowest joint's limit in the vendor's joint_limits
    ros2_stack: str  # the ROS 2 driver a person with the hardware runs

    @property
    def max_opening(self) -> float:
        return self.gripper.max_opening

    @property
    def pinch_frame(self) -> str:
        """The pinch point between the fingertips (the simulated robot publishes it; add it on a real cell)."""
        return "grasp_pinch"


PROFILES: dict[str, RobotProfile] = {
    "ur5": RobotProfile(
        name="ur5",
        model="Universal Robots UR5 + Robotiq 2F-85",
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
        trajectory_action="/scaled_joint_trajectory_controller/follow_joint_trajectory",
        gripper=ROBOTIQ_2F85_KNUCKLE,
        workspace=Workspace(0.30, 0.70, -0.25, 0.25, 0.015, 0.35),
        object_x_range=(0.42, 0.58),
        object_y_range=(-0.08, 0.08),
        home_joints=(0.0, -1.57, 1.57, -1.57, -1.57, 0.0),
        max_joint_speed=3.15,
        ros2_stack="Universal_Robots_ROS2_Driver (ur_robot_driver, ur_moveit_config) + ros2_robotiq_gripper",
    ),
    "abb": RobotProfile(
        name="abb",
        model="ABB IRB 120 + Robotiq 2F-85",
        joint_names=("joint_1", "joint_2", "joint_3", "joint_4", "joint_5", "joint_6"),
        base_frame="base_link",
        tool_frame="tool0",
        planning_group="manipulator",
        # abb_ros2's abb_bringup: joint_trajectory_controller (JTC) on joint_1..joint_6.
        trajectory_action="/joint_trajectory_controller/follow_joint_trajectory",
        gripper=ROBOTIQ_2F85_KNUCKLE,
        workspace=Workspace(0.23, 0.47, -0.20, 0.20, 0.015, 0.35),
        object_x_range=(0.27, 0.43),
        object_y_range=(-0.08, 0.08),
        home_joints=(0.0, 0.21, 0.343, 0.0, 1.018, 0.0),
        max_joint_speed=4.36332,
        ros2_stack="abb_ros2 (PickNikRobotics, rolling branch; IRB 1200 only: add our IRB 120 description and "
        "MoveIt config) + ros2_robotiq_gripper",
    ),
    "jaco": RobotProfile(
        name="jaco",
        model="Kinova Jaco 2 6-DoF (j2n6s200) + KG-2",
        joint_names=tuple(f"j2n6s200_joint_{i}" for i in range(1, 7)),
        base_frame="j2n6s200_link_base",
        tool_frame="j2n6s200_end_effector",
        planning_group="arm",
        # kinova-ros (ROS 1) MoveIt controllers: <robot>/follow_joint_trajectory, <robot>_gripper/gripper_command.
        trajectory_action="/j2n6s200/follow_joint_trajectory",
        gripper=KINOVA_KG2_FINGERS,
        workspace=Workspace(0.25, 0.65, -0.25, 0.25, 0.015, 0.35),
        object_x_range=(0.37, 0.53),
        object_y_range=(-0.08, 0.08),
        home_joints=(0.133, 2.636, 4.688, 0.357, -1.283, 2.06),
        max_joint_speed=0.6283,
        ros2_stack="none from Kinova: kinova-ros is ROS 1 (Noetic); the action names follow its MoveIt controllers",
    ),
    "gen3": RobotProfile(
        name="gen3",
        model="Kinova Gen3 6-DoF + Robotiq 2F-85",
        joint_names=("joint_1", "joint_2", "joint_3", "joint_4", "joint_5", "joint_6"),
        base_frame="base_link",
        tool_frame="end_effector_link",
        planning_group="manipulator",
        trajectory_action="/joint_trajectory_controller/follow_joint_trajectory",
        gripper=ROBOTIQ_2F85_KNUCKLE,
        workspace=Workspace(0.25, 0.65, -0.25, 0.25, 0.015, 0.35),
        object_x_range=(0.37, 0.53),
        object_y_range=(-0.08, 0.08),
        home_joints=(0.0, 0.392, -1.547, -3.142, 1.202, 3.143),
        max_joint_speed=1.2218,
        ros2_stack="ros2_kortex (kortex_bringup gen3.launch.py dof:=6 gripper:=robotiq_2f_85; "
        "kinova_gen3_6dof_robotiq_2f_85_moveit_config)",
    ),
}


def get_profile(name: str) -> RobotProfile:
    """The profile called ``name``; a clear error lists the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown robot '{name}': choose one of {', '.join(sorted(PROFILES))}") from None
