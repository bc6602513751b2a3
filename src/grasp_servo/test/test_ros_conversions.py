"""Message <-> plain conversions of the ROS layer, with duck-typed stand-ins for the messages (no rclpy)."""

from __future__ import annotations

import array
import math
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from grasp_servo.pose import GripperPose
from grasp_servo.ros import conversions as conv
from grasp_servo.servo import ServoDecision

MSG_DIR = Path(__file__).resolve().parents[2] / "grasp_interfaces" / "msg"


def header(ns: int = 0, frame_id: str = "") -> SimpleNamespace:
    sec, nanosec = divmod(ns, conv.NS_PER_S)
    return SimpleNamespace(stamp=SimpleNamespace(sec=sec, nanosec=nanosec), frame_id=frame_id)


def vec() -> SimpleNamespace:
    return SimpleNamespace(x=0.0, y=0.0, z=0.0)


def pose_msg() -> SimpleNamespace:
    return SimpleNamespace(position=vec(), orientation=SimpleNamespace(x=0.0, y=0.0, z=0.0, w=1.0))


def gripper_state_msg() -> SimpleNamespace:
    return SimpleNamespace(header=header(), episode_id=0, step=0, pose=pose_msg(), yaw=0.0, opening=0.0,
                           closed=False)


def image_msg(depth: np.ndarray, encoding: str = "32FC1", ns: int = 5, bigendian: bool = False) -> SimpleNamespace:
    order = ">" if bigendian else "<"
    dtype = {"32FC1": order + "f4", "16UC1": order + "u2"}[encoding]
    data = np.ascontiguousarray(depth.astype(dtype)).view(np.uint8).reshape(-1)
    return SimpleNamespace(header=header(ns, "cam"), height=depth.shape[0], width=depth.shape[1],
                           encoding=encoding, is_bigendian=int(bigendian),
                           step=depth.shape[1] * np.dtype(dtype).itemsize, data=data.tolist())


def test_command_codes_match_the_message_constants() -> None:
    text = (MSG_DIR / "MotionCommand.msg").read_text()
    constants = {name.lower(): int(value) for name, value in re.findall(r"uint8 (\w+)=(\d+)", text)}
    assert constants == conv.COMMAND_CODES


def test_stamp_round_trip() -> None:
    stamp = SimpleNamespace(sec=0, nanosec=0)
    conv.fill_stamp(stamp, 12 * conv.NS_PER_S + 345)
    assert (stamp.sec, stamp.nanosec) == (12, 345)
    assert conv.stamp_ns(stamp) == 12 * conv.NS_PER_S + 345


@pytest.mark.parametrize("bigendian", [False, True])
def test_decode_depth_32fc1(bigendian: bool) -> None:
    depth = np.arange(12, dtype=np.float32).reshape(3, 4) / 10
    frame = conv.decode_depth(image_msg(depth, bigendian=bigendian, ns=7))
    assert frame.error == "" and frame.stamp_ns == 7 and frame.frame_id == "cam"
    np.testing.assert_allclose(frame.depth, depth)


@pytest.mark.parametrize("container", [bytes, lambda b: array.array("B", b), lambda b: np.frombuffer(b, np.uint8)])
def test_decode_depth_accepts_every_byte_container(container: object) -> None:
    depth = np.full((2, 3), 0.25, np.float32)
    msg = image_msg(depth)
    msg.data = container(depth.astype("<f4").tobytes())  # type: ignore[operator]
    np.testing.assert_allclose(conv.decode_depth(msg).depth, depth)


def test_decode_depth_16uc1_millimetres() -> None:
    depth_mm = np.array([[0, 500], [1000, 1234]], dtype=np.uint16)
    frame = conv.decode_depth(image_msg(depth_mm, encoding="16UC1"))
    np.testing.assert_allclose(frame.depth, depth_mm / 1000.0, rtol=1e-6)


def test_decode_depth_reports_instead_of_raising() -> None:
    bad = image_msg(np.ones((2, 2), np.float32))
    bad.encoding = "rgb8"
    assert conv.decode_depth(bad).depth is None and "encoding" in conv.decode_depth(bad).error
    short = image_msg(np.ones((2, 2), np.float32))
    short.data = short.data[:-1]
    assert conv.decode_depth(short).depth is None


def test_pose_stamped_round_trip() -> None:
    pose = GripperPose(0.5, -0.1, 0.2, 0.7)
    msg = conv.fill_pose_stamped(SimpleNamespace(header=header(), pose=pose_msg()), pose, 42, "base_link")
    stamp, frame_id, back, finite = conv.pose_stamped_goal(msg)
    assert (stamp, frame_id, finite) == (42, "base_link", True)
    np.testing.assert_allclose(back.as_array(), pose.as_array(), atol=1e-9)
    q = msg.pose.orientation
    np.testing.assert_allclose([q.w, q.x, q.y, q.z], pose.quaternion_wxyz())


def test_pose_stamped_goal_flags_bad_orientation() -> None:
    msg = conv.fill_pose_stamped(SimpleNamespace(header=header(), pose=pose_msg()), GripperPose(0, 0, 0, 0), 1, "b")
    msg.pose.orientation.w = 0.0
    msg.pose.orientation.x = 0.0
    assert conv.pose_stamped_goal(msg)[3] is False
    msg.pose.position.x = math.nan
    assert conv.pose_stamped_goal(msg)[3] is False


def test_gripper_state_round_trip() -> None:
    sample = conv.GripperSample(GripperPose(0.4, 0.1, 0.15, -0.3), 0.08, False)
    msg = conv.fill_gripper_state(gripper_state_msg(), 99, "base_link", sample, episode_id=3, step=2)
    assert (msg.episode_id, msg.step, msg.header.frame_id) == (3, 2, "base_link")
    stamp, back = conv.gripper_sample(msg)
    assert stamp == 99 and back.opening == pytest.approx(0.08) and back.closed is False
    np.testing.assert_allclose(back.pose.as_array(), sample.pose.as_array())


def test_pose_from_transform_reads_yaw_of_a_down_pointing_frame() -> None:
    pose = GripperPose(0.5, 0.0, 0.3, 1.2)
    w, x, y, z = pose.quaternion_wxyz()
    transform = SimpleNamespace(
        header=header(77),
        transform=SimpleNamespace(translation=SimpleNamespace(x=0.5, y=0.0, z=0.3),
                                  rotation=SimpleNamespace(w=w, x=x, y=y, z=z)),
    )
    stamp, back = conv.pose_from_transform(transform)
    assert stamp == 77
    np.testing.assert_allclose(back.as_array(), pose.as_array(), atol=1e-9)


def test_motion_command_from_decision() -> None:
    decision = ServoDecision("raise", np.array([0.01, -0.02, 0.05, 0.1]), np.zeros(4), 0.8, 0.3, "raise", 0.0, 0.0)
    msg = SimpleNamespace(header=header(), episode_id=0, step=0, command=0, translation=vec(), rotation=0.0,
                          predicted_success=0.0, close_score=0.0)
    conv.fill_motion_command(msg, 1234, "base_link", 5, 3, decision)
    assert (msg.command, msg.episode_id, msg.step) == (conv.COMMAND_CODES["raise"], 5, 3)
    assert (msg.translation.x, msg.translation.y, msg.translation.z, msg.rotation) == (0.01, -0.02, 0.05, 0.1)
    assert (msg.predicted_success, msg.close_score) == (0.8, 0.3)
    assert conv.stamp_ns(msg.header.stamp) == 1234


def test_episode_messages() -> None:
    start = SimpleNamespace(header=header(), episode_id=0, seed=0, policy="", robot="", object_set="",
                            object_names=["x"], disturbance=True, kinematic_noise=1.0, model="")
    conv.fill_episode_start(start, 10, "base_link", episode_id=4, seed=7, policy="cem", robot="ur5",
                            object_set="real", model="m.onnx")
    assert (start.episode_id, start.seed, start.object_names, start.disturbance) == (4, 7, [], False)
    outcome = SimpleNamespace(header=header(), episode_id=0, final_pose=pose_msg(), final_yaw=0.0, success=False,
                              label_method="", label_detail="", termination="", steps=0)
    conv.fill_episode_outcome(outcome, 20, "base_link", episode_id=4, final_pose=GripperPose(0.5, 0, 0.02, 0.4),
                              success=True, label_method="service", label_detail="d", termination="servo_close",
                              steps=6)
    assert outcome.success is True and outcome.steps == 6 and outcome.final_yaw == pytest.approx(0.4)
    assert outcome.final_pose.position.z == pytest.approx(0.02)


def encoded_frame_msg(depth: np.ndarray | None, sha: str = "abc") -> SimpleNamespace:
    features = np.arange(2 * 3 * 3, dtype=np.float32)
    rows, cols = (0, 0) if depth is None else depth.shape
    return SimpleNamespace(header=header(7, "cam"), model_sha256=sha, shape=[2, 3, 3], features=features.tolist(),
                           valid_fraction=1.0, depth_height=rows, depth_width=cols,
                           depth=[] if depth is None else depth.reshape(-1).tolist())


def test_encoded_frames_carry_the_model_camera_frame_to_the_controller() -> None:
    from grasp_perception.split_model import EncodedFeatures

    depth = np.linspace(0.2, 0.4, 12, dtype=np.float32).reshape(3, 4)
    frame = conv.decode_encoded_frame(encoded_frame_msg(depth), "abc")
    assert frame.error == "" and frame.depth.shape == (2, 3, 3)
    observation = frame.observation
    assert isinstance(observation, EncodedFeatures) and observation.model_sha256 == "abc"
    np.testing.assert_array_equal(observation.model_frame, depth)
    np.testing.assert_array_equal(observation.features, frame.depth)
    # Without it (an older perception node) the controller gets the features alone.
    bare = conv.decode_encoded_frame(encoded_frame_msg(None), "abc")
    assert bare.model_frame is None and bare.observation is bare.depth
    broken = encoded_frame_msg(depth)
    broken.depth = broken.depth[:5]
    refused = conv.decode_encoded_frame(broken, "abc")
    assert refused.depth is None and "model-camera depth of 3x4 holds 5 values" in refused.error


def test_the_encoded_frame_message_declares_the_model_camera_frame() -> None:
    text = (MSG_DIR / "EncodedFrame.msg").read_text()
    for field in ("uint32 depth_height", "uint32 depth_width", "float32[] depth"):
        assert re.search(rf"^{re.escape(field)}$", text, re.M), field
