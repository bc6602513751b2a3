"""Message <-> plain-type conversions for the servo and motion nodes, by attribute access only.

Readers take any object with the message's fields (rclpy messages, ``rosbags`` messages, SimpleNamespace);
``fill_*`` functions write into a message instance the caller constructed (``fill_pose_stamped(PoseStamped(),
...)``), so nothing here imports rclpy or a message package. Stamps are integer nanoseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from grasp_perception.depth_image import depth_from_image

from grasp_servo.pose import GripperPose, yaw_from_quaternion_wxyz
from grasp_servo.servo import CLOSE, MOVE, RAISE, ServoDecision

NS_PER_S = 1_000_000_000

# grasp_interfaces/MotionCommand constants (MOVE=0, CLOSE=1, RAISE=2), by servo command name.
COMMAND_CODES: dict[str, int] = {MOVE: 0, CLOSE: 1, RAISE: 2}
COMMAND_NAMES: dict[int, str] = {code: name for name, code in COMMAND_CODES.items()}


@dataclass(frozen=True)
class GripperSample:
    """The gripper at one instant: pinch pose in the base frame, finger opening (m), whether it is closed."""

    pose: GripperPose
    opening: float
    closed: bool


@dataclass(frozen=True)
class DepthFrame:
    """A decoded wrist depth frame, or why it could not be decoded (``depth`` is None then)."""

    stamp_ns: int
    frame_id: str
    depth: np.ndarray | None
    error: str = ""
    encoded: bool = False  # ``depth`` holds a perception node's encoder features, not depth in metres
    model_sha256: str = ""  # encoded: the model whose encoder made the features
    model_frame: np.ndarray | None = None  # encoded: the depth frame in the model's camera, when sent

    @property
    def observation(self) -> Any:
        """What the controller decides on: the depth frame, or the features (with the model-camera frame the
        finger-clearance check reads, when the perception node sent it)."""
        if not self.encoded or self.model_frame is None:
            return self.depth
        from grasp_perception.split_model import EncodedFeatures

        return EncodedFeatures(self.depth, float("nan"), self.model_sha256, model_frame=self.model_frame)


def stamp_ns(stamp: Any) -> int:
    """Nanoseconds of a builtin_interfaces/Time."""
    return int(stamp.sec) * NS_PER_S + int(stamp.nanosec)


def fill_stamp(stamp: Any, nanoseconds: int) -> Any:
    """Write ``nanoseconds`` into a builtin_interfaces/Time (sec, nanosec)."""
    sec, nanosec = divmod(int(nanoseconds), NS_PER_S)
    stamp.sec = int(sec)
    stamp.nanosec = int(nanosec)
    return stamp


def fill_header(header: Any, nanoseconds: int, frame_id: str) -> Any:
    fill_stamp(header.stamp, nanoseconds)
    header.frame_id = str(frame_id)
    return header


def decode_depth(image: Any) -> DepthFrame:
    """Decode a sensor_msgs/Image (32FC1 metres or 16UC1 millimetres); never raises on bad content."""
    stamp = stamp_ns(image.header.stamp)
    frame_id = str(image.header.frame_id)
    try:
        depth = depth_from_image(image)
    except (ValueError, TypeError, AttributeError) as exc:
        return DepthFrame(stamp, frame_id, None, str(exc))
    return DepthFrame(stamp, frame_id, depth)


def decode_encoded_frame(msg: Any, model_sha256: str) -> DepthFrame:
    """Decode a grasp_interfaces/EncodedFrame into features (C, H, W); never raises on bad content."""
    stamp = stamp_ns(msg.header.stamp)
    frame_id = str(msg.header.frame_id)
    if model_sha256 and str(msg.model_sha256) != model_sha256:
        return DepthFrame(stamp, frame_id, None, f"features come from model {str(msg.model_sha256)[:12]}, "
                          f"this servo's head is {model_sha256[:12]}: run both nodes with the same model_path",
                          encoded=True)
    shape = tuple(int(v) for v in msg.shape)
    features = np.asarray(msg.features, dtype=np.float32)
    if not shape or int(np.prod(shape)) != features.size:
        return DepthFrame(stamp, frame_id, None, f"features of shape {shape} hold {features.size} values",
                          encoded=True)
    sha = str(msg.model_sha256)
    rows, cols = int(getattr(msg, "depth_height", 0)), int(getattr(msg, "depth_width", 0))
    depth = np.asarray(getattr(msg, "depth", ()), dtype=np.float32)
    if rows * cols != depth.size:
        return DepthFrame(stamp, frame_id, None, f"model-camera depth of {rows}x{cols} holds {depth.size} values",
                          encoded=True)
    model_frame = depth.reshape(rows, cols) if depth.size else None
    return DepthFrame(stamp, frame_id, features.reshape(shape), encoded=True, model_sha256=sha,
                      model_frame=model_frame)


def gripper_pose_from_pose(pose: Any, yaw: float | None = None) -> GripperPose:
    """GripperPose from a geometry_msgs/Pose; the yaw from ``yaw`` when given, else from the orientation."""
    if yaw is None:
        q = pose.orientation
        yaw = yaw_from_quaternion_wxyz(np.array([q.w, q.x, q.y, q.z], dtype=float))
    p = pose.position
    return GripperPose(float(p.x), float(p.y), float(p.z), float(yaw))


def gripper_sample(state: Any) -> tuple[int, GripperSample]:
    """(stamp_ns, GripperSample) of a grasp_interfaces/GripperState."""
    pose = gripper_pose_from_pose(state.pose, float(state.yaw))
    return stamp_ns(state.header.stamp), GripperSample(pose, float(state.opening), bool(state.closed))


def pose_from_transform(transform: Any) -> tuple[int, GripperPose]:
    """(stamp_ns, GripperPose) of a geometry_msgs/TransformStamped (base frame -> pinch frame)."""
    t, q = transform.transform.translation, transform.transform.rotation
    yaw = yaw_from_quaternion_wxyz(np.array([q.w, q.x, q.y, q.z], dtype=float))
    return stamp_ns(transform.header.stamp), GripperPose(float(t.x), float(t.y), float(t.z), yaw)


def fill_pose(msg: Any, pose: GripperPose) -> Any:
    """Write a gripper pose into a geometry_msgs/Pose (orientation from ``GripperPose.quaternion_wxyz``)."""
    w, x, y, z = (float(v) for v in pose.quaternion_wxyz())
    msg.position.x, msg.position.y, msg.position.z = float(pose.x), float(pose.y), float(pose.z)
    msg.orientation.w, msg.orientation.x, msg.orientation.y, msg.orientation.z = w, x, y, z
    return msg


def fill_pose_stamped(msg: Any, pose: GripperPose, nanoseconds: int, frame_id: str) -> Any:
    """A geometry_msgs/PoseStamped goal for the pinch point."""
    fill_header(msg.header, nanoseconds, frame_id)
    fill_pose(msg.pose, pose)
    return msg


def pose_stamped_goal(msg: Any) -> tuple[int, str, GripperPose, bool]:
    """(stamp_ns, frame_id, GripperPose, finite) of a geometry_msgs/PoseStamped goal."""
    p, q = msg.pose.position, msg.pose.orientation
    values = [p.x, p.y, p.z, q.w, q.x, q.y, q.z]
    finite = all(math.isfinite(float(v)) for v in values)
    norm = math.sqrt(sum(float(v) ** 2 for v in values[3:])) if finite else 0.0
    finite = finite and abs(norm - 1.0) < 1e-3
    nan = float("nan")
    pose = gripper_pose_from_pose(msg.pose) if finite else GripperPose(nan, nan, nan, nan)
    return stamp_ns(msg.header.stamp), str(msg.header.frame_id), pose, finite


def fill_gripper_state(
    msg: Any, nanoseconds: int, frame_id: str, sample: GripperSample, episode_id: int = 0, step: int = 0
) -> Any:
    """A grasp_interfaces/GripperState; ``nanoseconds`` is the time the pose was valid (the TF stamp)."""
    fill_header(msg.header, nanoseconds, frame_id)
    msg.episode_id = int(episode_id)
    msg.step = int(step)
    fill_pose(msg.pose, sample.pose)
    msg.yaw = float(sample.pose.yaw)
    msg.opening = float(sample.opening)
    msg.closed = bool(sample.closed)
    return msg


def fill_motion_command(
    msg: Any, nanoseconds: int, frame_id: str, episode_id: int, step: int, decision: ServoDecision
) -> Any:
    """A grasp_interfaces/MotionCommand of a servo decision, stamped like the frame it was decided from."""
    fill_header(msg.header, nanoseconds, frame_id)
    msg.episode_id = int(episode_id)
    msg.step = int(step)
    msg.command = COMMAND_CODES[decision.command]
    dx, dy, dz, dyaw = (float(v) for v in decision.motion)
    msg.translation.x, msg.translation.y, msg.translation.z = dx, dy, dz
    msg.rotation = dyaw
    msg.predicted_success = float(decision.best_score)
    msg.close_score = float(decision.close_score)
    return msg


def fill_episode_start(
    msg: Any,
    nanoseconds: int,
    frame_id: str,
    *,
    episode_id: int,
    seed: int,
    policy: str,
    robot: str,
    object_set: str,
    model: str,
) -> Any:
    """A grasp_interfaces/EpisodeStart for an episode driven from ROS (no simulator ground truth)."""
    fill_header(msg.header, nanoseconds, frame_id)
    msg.episode_id = int(episode_id)
    msg.seed = int(seed)
    msg.policy = str(policy)
    msg.robot = str(robot)
    msg.object_set = str(object_set)
    msg.object_names = []
    msg.disturbance = False
    msg.kinematic_noise = 0.0
    msg.model = str(model)
    return msg


def fill_episode_outcome(
    msg: Any,
    nanoseconds: int,
    frame_id: str,
    *,
    episode_id: int,
    final_pose: GripperPose,
    success: bool,
    label_method: str,
    label_detail: str,
    termination: str,
    steps: int,
) -> Any:
    """A grasp_interfaces/EpisodeOutcome."""
    fill_header(msg.header, nanoseconds, frame_id)
    msg.episode_id = int(episode_id)
    fill_pose(msg.final_pose, final_pose)
    msg.final_yaw = float(final_pose.yaw)
    msg.success = bool(success)
    msg.label_method = str(label_method)
    msg.label_detail = str(label_detail)
    msg.termination = str(termination)
    msg.steps = int(steps)
    return msg
