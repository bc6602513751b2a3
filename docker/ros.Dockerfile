# The ROS 2 Jazzy image: the six grasp packages built with colcon following docs/ros_install.md (rosdep,
# a venv that sees ROS's Python packages with the pinned lock in it, colcon under the venv's Python), the
# simulated robot included. By default it runs the whole graph on the simulated UR5 for 10 episodes.
#   docker build -f docker/ros.Dockerfile -t grasp-stack-ros .                            (from the repository root)
#   docker run --rm --net=host --ipc=host -v "$PWD/runs:/runs" grasp-stack-ros            (-> ./runs/graph-<time>)
#   docker build -f docker/ros.Dockerfile --build-arg GRASP_WITH_MOVEIT=1 -t grasp-stack-ros-moveit .
FROM ros:jazzy

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# MoveIt 2 is optional (the motion node's ik:=moveit; the default built-in IK needs none of it). rosdep reads
# this variable: GRASP_WITH_MOVEIT=1 turns on the package.xml keys with condition="$GRASP_WITH_MOVEIT == 1"
# (moveit_py, moveit_msgs, moveit_configs_utils, launch_param_builder, ur_moveit_config, ur_description).
ARG GRASP_WITH_MOVEIT=0

# python3-venv for the venv below; cyclonedds, the RMW the graph was run and measured on (RMW_IMPLEMENTATION
# further down; Fast DDS, the ROS default, stays installed). Versions: whatever the ROS apt repository has.
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends \
        python3-venv python3-dev ros-jazzy-rmw-cyclonedds-cpp \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /ws
# rosdep reads only the package.xml files: copied alone first, a code change reuses the apt layer below.
COPY src/grasp_interfaces/package.xml src/grasp_interfaces/package.xml
COPY src/grasp_perception/package.xml src/grasp_perception/package.xml
COPY src/grasp_servo/package.xml src/grasp_servo/package.xml
COPY src/grasp_sim/package.xml src/grasp_sim/package.xml
COPY src/grasp_datacollect/package.xml src/grasp_datacollect/package.xml
COPY src/grasp_bringup/package.xml src/grasp_bringup/package.xml
# The ROS packages and Debian Python packages of every package.xml (test dependencies included). The skipped
# keys are the ones rosdep would pip-install system-wide; they come from the lock below instead.
RUN apt-get update \
    && rosdep update --rosdistro jazzy \
    && rosdep install --from-paths src --ignore-src -y --rosdistro jazzy \
        --skip-keys "python3-mujoco-pip python3-trimesh-pip python3-onnxruntime-pip python3-rosbags-pip mcap-ros2-support" \
    && rm -rf /var/lib/apt/lists/*

# The Python dependencies Ubuntu does not ship (mujoco, mink, coacd, trimesh, networkx, onnxruntime, rosbags,
# ...), pinned with hashes, in a venv made from ROS's interpreter that also sees the Debian packages rosdep
# installed. The venv's packages come first (the lock's numpy over Ubuntu's).
COPY requirements/ requirements/
RUN /usr/bin/python3 -m venv --system-site-packages /opt/venv \
    && /opt/venv/bin/pip install --require-hashes -r requirements/runtime.lock

# Build under the venv's Python: colcon writes that interpreter into the nodes' entry scripts (checked below).
# A plain (copy) install, not docs/ros_install.md's --symlink-install: nothing is edited in the image, and with
# the lock's setuptools (>= 80, no `develop --editable`) colcon would fall back to a copy anyway, or fail where
# its colcon-core predates that fallback.
COPY colcon.meta colcon.meta
COPY src/ src/
RUN . /opt/ros/jazzy/setup.bash \
    && . /opt/venv/bin/activate \
    && python3 -m colcon build --base-paths src --event-handlers console_direct+ \
    && rm -rf build log \
    && head -n 1 install/grasp_bringup/lib/grasp_bringup/grasp | grep '^#!/opt/venv/bin/python' \
    && ln -s /ws/install/grasp_bringup/lib/grasp_bringup/grasp /usr/local/bin/grasp \
    && mkdir -p /runs

# `grasp` (symlinked onto PATH above) and `ros2` need the environment the entrypoint sources (ROS, the venv,
# this workspace); `docker exec -it <container> /grasp_entrypoint.sh bash` opens a shell with it.
ENV RMW_IMPLEMENTATION=rmw_cyclonedds_cpp
COPY docker/ros_entrypoint.sh /grasp_entrypoint.sh
RUN chmod +x /grasp_entrypoint.sh
ENTRYPOINT ["/grasp_entrypoint.sh"]
# The whole graph on the simulated robot: 10 episodes, then the launch exits 0; summary.json and the episode
# bag in /runs/graph-<time> (a new folder each run: the collector refuses an existing bag folder).
CMD ["bash", "-c", "exec ros2 launch grasp_bringup servo.launch.py robot:=ur5 sim:=mujoco episodes:=10 out:=/runs/graph-$(date +%Y%m%d-%H%M%S)"]
