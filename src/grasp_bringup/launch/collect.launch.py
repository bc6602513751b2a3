"""Record grasp episodes from a running graph: ``ros2 launch grasp_bringup collect.launch.py bag_path:=...``.

Starts only ``grasp_collector``, which pairs the depth frames, gripper states and motion commands by stamp and
writes whole episodes (start, steps, outcome) to a new rosbag2 (MCAP) folder. Read it back with
``grasp bag-info <bag_path>`` or ``ros2 bag info <bag_path>``.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

PACKAGE = "grasp_bringup"
TRUE_VALUES = ("true", "1", "yes")


def launch_setup(context, *args, **kwargs):
    """The collector node with its parameter file and overrides."""
    del args, kwargs
    bag_path = LaunchConfiguration("bag_path").perform(context)
    params_file = LaunchConfiguration("params_file").perform(context)
    use_sim_time = LaunchConfiguration("use_sim_time").perform(context).strip().lower() in TRUE_VALUES
    overrides = {"use_sim_time": use_sim_time}
    if bag_path:
        overrides["bag_path"] = bag_path
    return [
        Node(
            package="grasp_datacollect",
            executable="collector_node",
            output="screen",
            emulate_tty=True,
            parameters=[params_file, overrides],
        )
    ]


def generate_launch_description():
    return LaunchDescription(
        [
            DeclareLaunchArgument(
                "bag_path",
                default_value="",
                description="new bag folder (must not exist); empty = grasp_bags/episodes_<time>",
            ),
            DeclareLaunchArgument(
                "params_file",
                default_value=PathJoinSubstitution([FindPackageShare(PACKAGE), "config", "servo.yaml"]),
                description="parameter file (its grasp_collector section is used)",
            ),
            DeclareLaunchArgument(
                "use_sim_time", default_value="false", description="use /clock (Gazebo) instead of the wall clock"
            ),
            OpaqueFunction(function=launch_setup),
        ]
    )
