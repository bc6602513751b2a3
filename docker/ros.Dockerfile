# The ROS 2 Jazzy image: the grasp nodes, launch files and MoveIt (moveit_py) with the UR description.
#   docker build -f docker/ros.Dockerfile -t grasp-stack-ros .   (from the repository root)
#   docker run --rm -it --net=host grasp-stack-ros               (ros2 launch grasp_bringup servo.launch.py)
FROM ros:jazzy

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# ROS dependencies of the grasp packages (the exec_depends of their package.xml), MoveIt + moveit_py,
# the UR description / MoveIt config, MCAP storage for ros2 bag, and pytest for the node tests.
RUN apt-get update && apt-get install -y --no-install-recommends \
        python3-pip python3-numpy python3-opencv python3-yaml python3-pytest \
        ros-jazzy-rclpy ros-jazzy-launch-ros ros-jazzy-ros2launch \
        ros-jazzy-sensor-msgs ros-jazzy-geometry-msgs ros-jazzy-std-srvs ros-jazzy-control-msgs \
        ros-jazzy-tf2-ros-py ros-jazzy-rosidl-default-generators ros-jazzy-rosidl-default-runtime \
        ros-jazzy-moveit ros-jazzy-moveit-py ros-jazzy-moveit-configs-utils \
        ros-jazzy-ur-description ros-jazzy-ur-moveit-config \
        ros-jazzy-rosbag2-storage-mcap \
    && rm -rf /var/lib/apt/lists/*

# Python runtime dependencies that Ubuntu does not package (Noble's pip needs --break-system-packages).
# mujoco + mink let the `grasp` command line (bag-info, demo) run here too; mcap for the bag tests.
RUN pip3 install --break-system-packages onnxruntime rosbags tqdm matplotlib mujoco mink \
        mcap mcap-ros2-support

WORKDIR /ws
COPY colcon.meta /ws/colcon.meta
COPY src/ /ws/src/
RUN source /opt/ros/jazzy/setup.bash \
    && colcon build --event-handlers console_direct+ \
    && rm -rf build log

COPY docker/ros_entrypoint.sh /grasp_entrypoint.sh
RUN chmod +x /grasp_entrypoint.sh
ENTRYPOINT ["/grasp_entrypoint.sh"]
CMD ["ros2", "launch", "grasp_bringup", "servo.launch.py", "robot:=ur5"]
