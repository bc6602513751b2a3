"""Faults in the running graph: perception killed mid-episode, frames stopping, cancel mid-episode.

Starts the simulated robot, perception, servo and motion nodes as separate processes (``ros2 run``, real DDS)
and drives the servo's Grasp action from this process. Runs where ROS 2 and the built workspace are sourced;
skipped with the reason elsewhere. What must hold: the arm never moves on stale data (no goal is published
once the frames are gone), the attempt ends with a clear reason, and the nodes stay up for the next one.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

rclpy = pytest.importorskip("rclpy", reason="ROS 2 (rclpy) is not installed: source /opt/ros/jazzy/setup.bash")
pytest.importorskip("grasp_interfaces.action", reason="grasp_interfaces is not built: source the colcon workspace")
if shutil.which("ros2") is None:
    pytest.skip("the ros2 command is not on PATH: source /opt/ros/jazzy/setup.bash", allow_module_level=True)

from geometry_msgs.msg import PoseStamped  # noqa: E402
from grasp_servo.ros.action_client import locked_action_client  # noqa: E402
from rclpy.executors import MultiThreadedExecutor  # noqa: E402

from grasp_interfaces.action import Grasp  # noqa: E402
from grasp_interfaces.srv import ResetEpisode  # noqa: E402

DOMAINS = iter(range(20 + os.getpid() % 40, 102))  # a fresh DDS domain per test: no stale endpoints of killed nodes
NODES = {
    "sim": ["grasp_sim", "sim_robot_node"],
    "perception": ["grasp_perception", "perception_node", "-p", "use_sim_time:=true"],
    "servo": ["grasp_servo", "servo_node", "-p", "use_sim_time:=true", "-p", "frame_source:=perception",
              "-p", "frame_timeout_s:=2.0"],
    "motion": ["grasp_servo", "motion_node", "-p", "use_sim_time:=true", "-p", "pinch_frame:=grasp_pinch"],
}


def start(name: str) -> subprocess.Popen[bytes]:
    package, executable, *params = NODES[name]
    env = {**os.environ, "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST"}  # ROS_DOMAIN_ID: the fixture's
    command = ["ros2", "run", package, executable, "--ros-args", *params]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGINT) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


class Client:
    """This test's node: the Grasp action client, the sim's reset, and every goal pose the servo sends."""

    def __init__(self) -> None:
        self.node = rclpy.create_node("graph_fault_test")
        self.grasp = locked_action_client(self.node, Grasp, "/grasp_servo/grasp")
        self.reset = self.node.create_client(ResetEpisode, "/sim_robot/reset_episode")
        self.goals: list[float] = []  # wall time of each goal pose
        self.node.create_subscription(PoseStamped, "/grasp/goal_pose", lambda _: self.goals.append(time.monotonic()),
                                      10)
        self.feedback: list[Any] = []
        self.executor = MultiThreadedExecutor(num_threads=2)
        self.executor.add_node(self.node)
        self.thread = threading.Thread(target=self.executor.spin, daemon=True)
        self.thread.start()

    def wait(self, future: Any, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        while not future.done() and time.monotonic() < deadline:
            time.sleep(0.02)
        return future.result() if future.done() else None

    def new_scene(self, seed: int) -> None:
        assert self.reset.wait_for_service(timeout_sec=60)
        request = ResetEpisode.Request()
        request.seed = seed
        for _ in range(3):  # a request sent before the server's reader matched is lost in DDS: ask again
            reply = self.wait(self.reset.call_async(request), 10)
            if reply is not None:
                assert reply.success, reply.message
                return
        raise AssertionError("the simulated robot did not answer reset_episode")

    def send(self, seed: int) -> Any:
        assert self.grasp.wait_for_server(timeout_sec=60)
        goal = Grasp.Goal()
        goal.seed = seed
        handle = self.wait(self.grasp.send_goal_async(goal, feedback_callback=self.feedback.append), 10)
        assert handle is not None and handle.accepted
        return handle

    def close(self) -> None:
        self.executor.shutdown()
        self.node.destroy_node()


@pytest.fixture
def graph(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[dict[str, subprocess.Popen[bytes]], Client]]:
    monkeypatch.setenv("ROS_DOMAIN_ID", str(next(DOMAINS)))
    monkeypatch.setenv("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
    processes = {name: start(name) for name in NODES}
    rclpy.init()
    client = Client()
    try:
        yield processes, client
    finally:
        client.close()
        rclpy.try_shutdown()
        for process in processes.values():
            stop(process)


def wait_for_steps(client: Client, steps: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(f.feedback.step >= steps for f in client.feedback):
            return
        time.sleep(0.05)
    raise AssertionError(f"the servo did not reach step {steps} within {timeout:.0f} s")


def test_perception_killed_mid_episode_stops_the_arm_then_the_graph_recovers(graph: Any) -> None:
    processes, client = graph
    client.new_scene(9_000_001)
    handle = client.send(9_000_001)
    wait_for_steps(client, 1)
    stop(processes["perception"], signal.SIGKILL)
    killed = time.monotonic()
    result = client.wait(handle.get_result_async(), 60).result
    assert "no usable frame" in result.message and not result.success
    late_goals = [t for t in client.goals if t > killed + 1.0]  # one step may have been in flight
    assert late_goals == [], "the servo sent goals after its frames were gone"
    # Perception back: the next attempt runs to a label.
    processes["perception"] = start("perception")
    client.new_scene(9_000_002)
    result = client.wait(client.send(9_000_002).get_result_async(), 120).result
    assert result.label_method == "gripper_opening" and not result.message


def test_frames_stop_when_the_camera_dies(graph: Any) -> None:
    processes, client = graph
    client.new_scene(9_000_003)
    handle = client.send(9_000_003)
    wait_for_steps(client, 1)
    stop(processes["sim"], signal.SIGKILL)  # camera, clock and arm gone at once
    result = client.wait(handle.get_result_async(), 60).result
    assert not result.success and result.message  # aborted with its reason, not a label


def test_cancel_mid_episode(graph: Any) -> None:
    _, client = graph
    client.new_scene(9_000_004)
    handle = client.send(9_000_004)
    wait_for_steps(client, 1)
    canceled = time.monotonic()
    client.wait(handle.cancel_goal_async(), 10)
    wrapped = client.wait(handle.get_result_async(), 30)
    assert wrapped.result.termination == "canceled"
    time.sleep(1.0)
    assert [t for t in client.goals if t > canceled + 0.5] == []


def test_motion_node_dying_mid_lift_ends_the_attempt_without_a_label(graph: Any) -> None:
    processes, client = graph
    client.new_scene(9_000_002)
    handle = client.send(9_000_002)
    deadline = time.monotonic() + 90
    while not any(f.feedback.phase in ("lifting", "shaking") for f in client.feedback):
        assert time.monotonic() < deadline, "the attempt never reached the lift"
        time.sleep(0.02)
    stop(processes["motion"], signal.SIGKILL)
    result = client.wait(handle.get_result_async(), 60).result
    assert "no gripper state" in result.message and not result.label_method
