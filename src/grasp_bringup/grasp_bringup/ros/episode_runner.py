"""``episode_runner`` node: runs N grasp episodes through the graph and writes ``summary.json``.

For each episode: reset the simulated robot's scene (``/sim_robot/reset_episode``, seed ``seed_base + i``, the
seeds ``grasp evaluate`` uses), send one goal to the servo's Grasp action and wait for its result, then ask the
simulator for its ground-truth audit of the automatic label (``/sim_robot/check_grasp``). With ``sim: false``
(a real arm) there is no reset and no audit: someone sets the scene up between episodes. It also measures
the frame-to-goal latency across nodes: the wall time between a depth frame arriving here and the servo's
goal stamped with that frame's stamp arriving here. At the end it writes ``out/summary.json`` (the schema of
``grasp evaluate``'s closed loop), prints the success rate and exits (0; 1 when no episode could run), which
ends ``ros2 launch``.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from grasp_perception.ros.rclpy_guard import Node, require_rclpy, run_node
from grasp_servo.ros import conversions as conv
from grasp_servo.ros.action_client import locked_action_client, wait_future
from grasp_servo.ros.parameters import (
    LABEL,
    ROS_NAME,
    ParameterError,
    ParamSpec,
    check_parameters,
    declare_parameters,
)
from grasp_servo.ros.topics import TOPIC_DEPTH_IMAGE, TOPIC_ENCODED_FRAME, TOPIC_GOAL_POSE

from grasp_bringup.graph_summary import GraphEpisode, graph_summary, summary_line, write_summary

NODE_NAME = "episode_runner"
EVALUATION_SEED_BASE = 9_000_000  # grasp_bringup.commands.EVALUATION_SEED_BASE: the seeds grasp evaluate runs
LATENCY_WINDOW = 256  # frames remembered while waiting for their goal

RUNNER_SPECS = [
    ParamSpec("episodes", 10, "episodes to run; 0 = run none (serve only)", low=0, high=1_000_000),
    ParamSpec("out", "grasp_runs/graph", "folder of summary.json (created)", text=LABEL),
    ParamSpec("seed_base", EVALUATION_SEED_BASE, "episode i uses seed seed_base + i (grasp evaluate's seeds)",
              low=0, high=2**62),
    ParamSpec("sim", True, "a simulated robot serves reset_episode and check_grasp"),
    ParamSpec("grasp_action", "/grasp_servo/grasp", "the servo's Grasp action", text=ROS_NAME),
    ParamSpec("sim_namespace", "/sim_robot", "namespace of the simulated robot's services", text=ROS_NAME),
    ParamSpec("robot", "ur5", "robot name written to the summary", text=LABEL),
    ParamSpec("model", "shipped", "model written to the summary", text=LABEL),
    ParamSpec("frame_source", "perception", "what the servo scores: perception (wait for grasp_perception's "
              "EncodedFrames after a reset) or camera (a regression model in the servo: wait for depth frames)",
              choices=("perception", "camera")),
    ParamSpec("object_set", "heldout", "object set written to the summary", text=LABEL),
    ParamSpec("server_timeout_s", 60.0, "seconds to wait for the action server and services", low=1.0, high=3600.0),
    ParamSpec("episode_timeout_s", 120.0, "wall seconds one attempt may take before it is canceled",
              low=1.0, high=36000.0),
    ParamSpec("settle_s", 0.3, "wall seconds after a reset before the goal (the new scene's frames arrive)",
              low=0.0, high=60.0),
]


class EpisodeRunner(Node):  # type: ignore[misc,valid-type]
    """Drives the Grasp action episode by episode from a worker thread; the executor serves its callbacks."""

    def __init__(self, **node_kwargs: Any) -> None:
        require_rclpy()
        super().__init__(NODE_NAME, **node_kwargs)
        from geometry_msgs.msg import PoseStamped
        from rclpy.callback_groups import ReentrantCallbackGroup
        from rclpy.qos import qos_profile_sensor_data
        from sensor_msgs.msg import Image

        from grasp_interfaces.action import Grasp
        from grasp_interfaces.msg import EncodedFrame
        from grasp_interfaces.srv import CheckGrasp, ResetEpisode

        self.values = check_parameters(RUNNER_SPECS, declare_parameters(self, RUNNER_SPECS))
        self._msg = SimpleNamespace(Grasp=Grasp, CheckGrasp=CheckGrasp, ResetEpisode=ResetEpisode)
        group = ReentrantCallbackGroup()
        self.grasp = locked_action_client(self, Grasp, str(self.values["grasp_action"]), callback_group=group)
        namespace = str(self.values["sim_namespace"]).rstrip("/")
        self.reset_client = self.create_client(ResetEpisode, f"{namespace}/reset_episode", callback_group=group)
        self.check_client = self.create_client(CheckGrasp, f"{namespace}/check_grasp", callback_group=group)
        self._frames: dict[int, float] = {}
        self._latencies: list[float] = []
        self._latency_lock = threading.Lock()
        self.create_subscription(Image, TOPIC_DEPTH_IMAGE, self.on_frame, qos_profile_sensor_data, callback_group=group)
        self.create_subscription(PoseStamped, TOPIC_GOAL_POSE, self.on_goal, 10, callback_group=group)
        self._encoded = threading.Condition()
        self._encoded_count = 0
        self.create_subscription(EncodedFrame, TOPIC_ENCODED_FRAME, self.on_encoded, qos_profile_sensor_data,
                                 callback_group=group)
        self.exit_code = 0
        self.finished = threading.Event()
        self._thread = threading.Thread(target=self._run, name="episodes", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------- latency
    def on_frame(self, msg: Any) -> None:
        if self.values["frame_source"] == "camera":  # the servo scores raw frames: they are what it waits for
            self.on_encoded(msg)
        with self._latency_lock:
            self._frames[conv.stamp_ns(msg.header.stamp)] = time.monotonic()
            if len(self._frames) > LATENCY_WINDOW:
                self._frames.pop(next(iter(self._frames)))

    def on_goal(self, msg: Any) -> None:
        arrived = time.monotonic()
        with self._latency_lock:
            sent = self._frames.pop(conv.stamp_ns(msg.header.stamp), None)
            if sent is not None:
                self._latencies.append((arrived - sent) * 1000)

    def on_encoded(self, msg: Any) -> None:
        del msg
        with self._encoded:
            self._encoded_count += 1
            self._encoded.notify_all()

    def wait_for_encoded_frames(self, count: int, timeout_s: float) -> bool:
        """True once ``count`` more encoded frames arrived (perception is up and sees the scene)."""
        with self._encoded:
            target = self._encoded_count + count
            return self._encoded.wait_for(lambda: self._encoded_count >= target, timeout_s)

    def _take_latencies(self) -> list[float]:
        with self._latency_lock:
            taken, self._latencies = self._latencies, []
        return taken

    # ------------------------------------------------------------ episodes
    def _run(self) -> None:
        try:
            self.exit_code = self._run_episodes()
        except Exception as error:  # say what broke, end the launch with a failure
            self.get_logger().fatal(f"episode runner failed: {error}")
            self.exit_code = 1
        finally:
            self.finished.set()

    def _run_episodes(self) -> int:
        v = self.values
        count = int(v["episodes"])
        if count == 0:
            self.get_logger().info("episodes:=0: nothing to run (the graph keeps serving)")
            return 0
        timeout = float(v["server_timeout_s"])
        sim = bool(v["sim"])
        if not self.grasp.wait_for_server(timeout_sec=timeout):
            raise RuntimeError(f"the Grasp action {v['grasp_action']} did not appear within {timeout:.0f} s")
        for client in (self.reset_client, self.check_client) if sim else ():
            if not client.wait_for_service(timeout_sec=timeout):
                raise RuntimeError(f"the service {client.srv_name} did not appear within {timeout:.0f} s")
        out = Path(str(v["out"])).expanduser()
        settings = {"graph": "ros2", "robot": v["robot"], "model": v["model"], "object_set": v["object_set"],
                    "seed_base": int(v["seed_base"]), "sim": sim}
        episodes: list[GraphEpisode] = []
        for i in range(count):
            seed = int(v["seed_base"]) + i
            episode = self._one_episode(seed, sim)
            episodes.append(episode)
            done = sum(e.success for e in episodes)
            what = "success" if episode.success else f"failure ({episode.failure or episode.aborted or '?'})"
            self.get_logger().info(
                f"[{i + 1}/{count}] seed {seed}: {what} in {episode.steps} steps, {episode.wall_seconds:.1f} s; "
                f"{done}/{len(episodes)} so far"
            )
            summary = graph_summary(episodes, settings)
            self._add_latency(summary, episodes)
            write_summary(out / "summary.json", summary)  # after every episode: a kill loses nothing
        summary = graph_summary(episodes, settings)
        self._add_latency(summary, episodes)
        write_summary(out / "summary.json", summary)
        line = summary_line(summary)
        self.get_logger().info(f"{line}; summary in {out / 'summary.json'}")
        print(line, flush=True)
        return 0 if any(not e.aborted for e in episodes) else 1

    def _add_latency(self, summary: dict[str, Any], episodes: list[GraphEpisode]) -> None:
        from grasp_bringup.evaluation_stats import percentiles_ms

        values = [ms for e in episodes for ms in e.frame_to_goal_ms]
        summary["results"]["closed_loop"]["latency_ms"]["frame_to_goal"] = percentiles_ms([ms / 1000 for ms in values])

    def _one_episode(self, seed: int, sim: bool) -> GraphEpisode:
        v = self.values
        names: list[str] = []
        if sim:
            request = self._msg.ResetEpisode.Request()
            request.seed = seed
            reply = wait_future(self.reset_client.call_async(request), float(v["server_timeout_s"]))
            if reply is None or not reply.success:
                why = "no reply" if reply is None else reply.message
                return GraphEpisode(seed, [], aborted=f"reset_episode failed: {why}")
            names = list(reply.object_names)
        time.sleep(float(v["settle_s"]))
        if not self.wait_for_encoded_frames(2, float(v["server_timeout_s"])):
            source = "encoded frames from grasp_perception" if v["frame_source"] == "perception" else "depth frames"
            return GraphEpisode(seed, names, aborted=f"no {source} after the reset")
        self._take_latencies()
        episode = GraphEpisode(seed, names)
        began = time.monotonic()
        goal = self._msg.Grasp.Goal()
        goal.controller = ""  # the servo node's own (cem or threshold, from its model)
        goal.seed = seed
        handle = wait_future(self.grasp.send_goal_async(goal), 10.0)
        if handle is None or not handle.accepted:
            episode.aborted = "the Grasp goal was rejected (see the servo's log)"
            return episode
        wrapped = wait_future(handle.get_result_async(), float(v["episode_timeout_s"]))
        episode.wall_seconds = time.monotonic() - began
        episode.frame_to_goal_ms = self._take_latencies()
        if wrapped is None:
            wait_future(handle.cancel_goal_async(), 5.0)
            episode.aborted = f"no result within {v['episode_timeout_s']:.0f} s (canceled)"
            return episode
        result = wrapped.result
        episode.episode_id = int(result.episode_id)
        episode.steps = int(result.steps)
        episode.termination = str(result.termination) or "aborted"
        if result.message:
            episode.aborted = str(result.message)
            return episode
        episode.success = bool(result.success)
        episode.attempts = max(1, int(result.attempts))
        episode.first_attempt_success = bool(result.first_attempt_success)
        episode.label_method = str(result.label_method)
        episode.label_detail = str(result.label_detail)
        if sim:
            self._audit(episode)
        return episode

    def _audit(self, episode: GraphEpisode) -> None:
        request = self._msg.CheckGrasp.Request()
        request.label_success = episode.success
        request.termination = episode.termination
        truth = wait_future(self.check_client.call_async(request), float(self.values["server_timeout_s"]))
        if truth is None:
            return
        episode.truth_success = bool(truth.truth_success)
        episode.labels_agree = bool(truth.agrees)
        episode.failure = str(truth.failure) or None
        episode.lifted_object = str(truth.lifted_object) or None
        episode.target_object = str(truth.target_object) or None
        episode.target_family = str(truth.target_family) or None
        if truth.detail:
            episode.label_detail = f"{episode.label_detail} | audit (simulation): {truth.detail}"


def main(args: list[str] | None = None) -> None:
    """``ros2 run grasp_bringup episode_runner``: exits 0 after the summary, 1 when nothing could run."""
    import sys

    codes: list[int] = []

    def spin(node: EpisodeRunner) -> None:
        from rclpy.executors import MultiThreadedExecutor

        executor = MultiThreadedExecutor(num_threads=3)
        executor.add_node(node)
        while not node.finished.is_set():
            executor.spin_once(timeout_sec=0.1)
        codes.append(node.exit_code)

    run_node(NODE_NAME, EpisodeRunner, (ParameterError,), spin=spin, args=args)
    if codes and codes[0] != 0:
        sys.exit(codes[0])

