#!/usr/bin/env bash
# Frame-to-goal latency of the ROS graph with the frame -> goal path on one core: perception and servo pinned
# to CPU 0, the simulated robot, motion, collector and runner to CPU 1. Needs ROS 2 Jazzy and the built
# workspace sourced (docs/ros_install.md). Prints the runner's line: success, label agreement, frame-to-goal
# p50 / p95. Usage: scripts/ros_graph_benchmark.sh [EPISODES] [OUT]   (all six nodes on one core: taskset -c 0
# ros2 launch grasp_bringup servo.launch.py episodes:=N out:=DIR)
set -euo pipefail
episodes="${1:-20}"
out="${2:-runs/graph_benchmark_$(date +%Y%m%d_%H%M%S)}"
command -v ros2 >/dev/null || { echo "ros2 not found: source /opt/ros/jazzy/setup.bash and install/setup.bash" >&2; exit 2; }
ros2 launch grasp_bringup servo.launch.py episodes:="$episodes" out:="$out" record:=false &
launch=$!
trap 'kill -INT $launch 2>/dev/null || true' INT TERM
pin() {  # CPU, then executable patterns: pin every thread of the matching node processes
  local cpu=$1; shift
  for pattern in "$@"; do
    for pid in $(pgrep -f "lib/$pattern" || true); do taskset -a -c -p "$cpu" "$pid" >/dev/null; done
  done
}
for _ in $(seq 1 60); do  # the nodes start within a few seconds; pin them as they appear
  pin 0 grasp_perception/perception_node grasp_servo/servo_node
  pin 1 grasp_sim/sim_robot_node grasp_servo/motion_node grasp_datacollect/collector_node grasp_bringup/episode_runner
  kill -0 $launch 2>/dev/null || break
  sleep 1
done
wait $launch
