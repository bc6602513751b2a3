"""Closed-loop grasping on a ROS 2 arm: ``ros2 launch grasp_bringup servo.launch.py robot:=ur5``.

Starts ``grasp_servo`` (servo_node: frames -> goals), ``grasp_motion`` (moveit_motion_node: goals -> MoveIt,
TF -> gripper states) and, with ``record:=true``, ``grasp_collector`` (episodes -> rosbag2 MCAP).
Parameters: ``params_file`` (default config/servo.yaml), then config/robots/<robot>.yaml, then the launch
arguments. The arm driver, MoveIt's move_group / robot_state_publisher and the wrist depth camera are
started separately (see docs/ros.md).

moveit_py hint: MoveItPy (inside grasp_motion) takes its planning configuration from ``moveit_params_file``
(default config/moveit_py.yaml). Add the robot description, semantic description, kinematics and controller
parameters of your arm to that file (e.g. ``MoveItConfigsBuilder(...).to_dict()`` dumped to YAML).
"""

from pathlib import Path

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

PACKAGE = "grasp_bringup"
ROBOTS = ("ur5", "abb", "jaco")
TRUE_VALUES = ("true", "1", "yes")


def _flag(context, name: str) -> bool:
    return LaunchConfiguration(name).perform(context).strip().lower() in TRUE_VALUES


def _robot_params(context, robot: str) -> str:
    share = Path(FindPackageShare(PACKAGE).perform(context))
    path = share / "config" / "robots" / f"{robot}.yaml"
    if not path.is_file():
        raise RuntimeError(f"no robot parameter file {path}")
    return str(path)


def launch_setup(context, *args, **kwargs):
    """The nodes, with parameter files and overrides resolved from the launch arguments."""
    del args, kwargs
    robot = LaunchConfiguration("robot").perform(context)
    model = LaunchConfiguration("model").perform(context)
    bag_path = LaunchConfiguration("bag_path").perform(context)
    params_file = LaunchConfiguration("params_file").perform(context)
    moveit_params_file = LaunchConfiguration("moveit_params_file").perform(context)
    sim_time = {"use_sim_time": _flag(context, "use_sim_time")}
    robot_file = _robot_params(context, robot)

    servo_overrides = {**sim_time, "robot": robot}
    if model:
        servo_overrides["model_path"] = model
    nodes = [
        Node(
            package="grasp_servo",
            executable="servo_node",
            output="screen",
            emulate_tty=True,
            parameters=[params_file, robot_file, servo_overrides],
        )
    ]
    if _flag(context, "motion"):
        # No `name=` here: a node-name remap would also rename the node MoveItPy creates in this process.
        # The moveit_py file goes first: older moveit_py releases read only the first --params-file.
        moveit_files = [moveit_params_file] if moveit_params_file else []
        nodes.append(
            Node(
                package="grasp_servo",
                executable="moveit_motion_node",
                output="screen",
                emulate_tty=True,
                parameters=[*moveit_files, params_file, robot_file, {**sim_time, "robot": robot}],
            )
        )
    if _flag(context, "record"):
        collector_overrides = dict(sim_time)
        if bag_path:
            collector_overrides["bag_path"] = bag_path
        nodes.append(
            Node(
                package="grasp_datacollect",
                executable="collector_node",
                output="screen",
                emulate_tty=True,
                parameters=[params_file, collector_overrides],
            )
        )
    return nodes


def generate_launch_description():
    config = PathJoinSubstitution([FindPackageShare(PACKAGE), "config"])
    return LaunchDescription(
        [
            DeclareLaunchArgument(
                "robot",
                default_value="ur5",
                choices=list(ROBOTS),
                description="robot profile: frames, planning group, workspace, gripper",
            ),
            DeclareLaunchArgument(
                "model",
                default_value="",
                description="ONNX scoring model; empty = the model shipped with grasp_bringup",
            ),
            DeclareLaunchArgument(
                "use_sim_time", default_value="false", description="use /clock (Gazebo) instead of the wall clock"
            ),
            DeclareLaunchArgument(
                "record", default_value="false", description="also start grasp_collector and record episodes to a bag"
            ),
            DeclareLaunchArgument(
                "bag_path",
                default_value="",
                description="new bag folder for record:=true; empty = grasp_bags/episodes_<time>",
            ),
            DeclareLaunchArgument(
                "params_file",
                default_value=PathJoinSubstitution([config, "servo.yaml"]),
                description="parameter file of the grasp nodes",
            ),
            DeclareLaunchArgument(
                "moveit_params_file",
                default_value=PathJoinSubstitution([config, "moveit_py.yaml"]),
                description="moveit_py parameter file for grasp_motion (empty = none)",
            ),
            DeclareLaunchArgument(
                "motion", default_value="true", description="start grasp_motion (false: bring your own motion node)"
            ),
            OpaqueFunction(function=launch_setup),
        ]
    )
