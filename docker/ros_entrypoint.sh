#!/bin/bash
# Source ROS 2 Jazzy and the grasp workspace, then run the command (default: the servo launch file).
set -e
source /opt/ros/jazzy/setup.bash
source /ws/install/setup.bash
exec "$@"
