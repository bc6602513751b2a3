#!/bin/bash
# Sources ROS 2 Jazzy, the venv with the pinned Python dependencies and the grasp workspace, in that order
# (docs/ros_install.md, step 5), then runs the command (default: the whole graph on the simulated robot).
# `--` keeps the command's own arguments away from the sourced scripts.
# shellcheck disable=SC1091  # the sourced files exist only in the image
set -e
source /opt/ros/jazzy/setup.bash --
source /opt/venv/bin/activate
source /ws/install/setup.bash --
exec "$@"
