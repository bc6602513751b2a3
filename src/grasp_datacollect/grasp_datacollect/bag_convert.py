"""Conversions between the plain episode records and the ``rosbags`` message objects stored in a bag.

Functions that build messages take the typestore (see ``bag_types.grasp_typestore``); functions that read
messages only need attribute access, so they also accept rclpy messages. Readers raise ``ValueError`` on
content they cannot convert; callers add the bag, topic and episode to the message.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from grasp_perception.depth_image import DEPTH_ENCODINGS as DEPTH_ENCODINGS  # shared decoder, re-exported
from grasp_perception.depth_image import depth_from_image as depth_from_image
from grasp_servo.pose import GripperPose
from rosbags.typesys.store import Typestore

from grasp_datacollect.bag_types import (
    BASE_FRAME,
    DEPTH_ENCODING,
    MSGTYPE_EPISODE_OUTCOME,
    MSGTYPE_EPISODE_START,
    MSGTYPE_GRIPPER_STATE,
    MSGTYPE_IMAGE,
    MSGTYPE_MOTION_COMMAND,
)
from grasp_datacollect.episode import Command, EpisodeInfo, EpisodeOutcome, StepRecord

NS_PER_S = 1_000_000_000


def header_msg(typestore: Typestore, stamp_ns: int, frame_id: str) -> Any:
    """std_msgs/Header with ``stamp_ns`` split into sec and nanosec."""
    types = typestore.types
    sec, nanosec = divmod(int(stamp_ns), NS_PER_S)
    stamp = types["builtin_interfaces/msg/Time"](sec=sec, nanosec=nanosec)
    return types["std_msgs/msg/Header"](stamp=stamp, frame_id=frame_id)


def stamp_ns(header: Any) -> int:
    """Nanoseconds of a std_msgs/Header's stamp."""
    return int(header.stamp.sec) * NS_PER_S + int(header.stamp.nanosec)


def pose_msg(typestore: Typestore, pose: GripperPose) -> Any:
    """geometry_msgs/Pose of a gripper pose; orientation from ``GripperPose.quaternion_wxyz``."""
    types = typestore.types
    w, x, y, z = (float(v) for v in pose.quaternion_wxyz())
    return types["geometry_msgs/msg/Pose"](
        position=types["geometry_msgs/msg/Point"](x=float(pose.x), y=float(pose.y), z=float(pose.z)),
        orientation=types["geometry_msgs/msg/Quaternion"](x=x, y=y, z=z, w=w),
    )


def gripper_pose(pose: Any, yaw: float) -> GripperPose:
    """GripperPose from a geometry_msgs/Pose position and the message's explicit yaw field."""
    return GripperPose(float(pose.position.x), float(pose.position.y), float(pose.position.z), float(yaw))


def depth_image_msg(typestore: Typestore, depth: np.ndarray, stamp: int, frame_id: str) -> Any:
    """sensor_msgs/Image (32FC1, little-endian, metres) of a (H, W) depth array."""
    height, width = depth.shape
    data = np.ascontiguousarray(depth, dtype="<f4").view(np.uint8).reshape(-1)
    return typestore.types[MSGTYPE_IMAGE](
        header=header_msg(typestore, stamp, frame_id),
        height=height,
        width=width,
        encoding=DEPTH_ENCODING,
        is_bigendian=0,
        step=width * 4,
        data=data,
    )


def episode_start_msg(typestore: Typestore, info: EpisodeInfo) -> Any:
    """grasp_interfaces/EpisodeStart of an EpisodeInfo."""
    return typestore.types[MSGTYPE_EPISODE_START](
        header=header_msg(typestore, info.stamp_ns, BASE_FRAME),
        episode_id=info.episode_id,
        seed=info.seed,
        policy=info.policy,
        robot=info.robot,
        object_set=info.object_set,
        object_names=list(info.object_names),
        disturbance=bool(info.disturbance),
        kinematic_noise=float(info.kinematic_noise),
        model=info.model,
    )


def episode_info(msg: Any) -> EpisodeInfo:
    """EpisodeInfo from a grasp_interfaces/EpisodeStart."""
    return EpisodeInfo(
        episode_id=int(msg.episode_id),
        seed=int(msg.seed),
        policy=str(msg.policy),
        robot=str(msg.robot),
        object_set=str(msg.object_set),
        object_names=[str(name) for name in msg.object_names],
        stamp_ns=stamp_ns(msg.header),
        disturbance=bool(msg.disturbance),
        kinematic_noise=float(msg.kinematic_noise),
        model=str(msg.model),
    )


def gripper_state_msg(typestore: Typestore, step: StepRecord) -> Any:
    """grasp_interfaces/GripperState of a step, stamped like the step's depth frame."""
    return typestore.types[MSGTYPE_GRIPPER_STATE](
        header=header_msg(typestore, step.stamp_ns, BASE_FRAME),
        episode_id=step.episode_id,
        step=step.step,
        pose=pose_msg(typestore, step.pose),
        yaw=float(step.pose.yaw),
        opening=float(step.opening),
        closed=bool(step.closed),
    )


def motion_command_msg(typestore: Typestore, step: StepRecord) -> Any:
    """grasp_interfaces/MotionCommand of a step, stamped like the step's depth frame."""
    types = typestore.types
    dx, dy, dz, dyaw = (float(v) for v in step.motion)
    return types[MSGTYPE_MOTION_COMMAND](
        header=header_msg(typestore, step.stamp_ns, BASE_FRAME),
        episode_id=step.episode_id,
        step=step.step,
        command=int(step.command),
        translation=types["geometry_msgs/msg/Vector3"](x=dx, y=dy, z=dz),
        rotation=dyaw,
        predicted_success=float(step.predicted_success),
        close_score=float(step.close_score),
    )


def command_and_motion(command: Any) -> tuple[Command, np.ndarray]:
    """The kind and the motion (dx, dy, dz, dyaw) of a grasp_interfaces/MotionCommand; ValueError if unknown."""
    try:
        kind = Command(int(command.command))
    except ValueError:
        raise ValueError(f"unknown motion command value {command.command}") from None
    t = command.translation
    return kind, np.array([t.x, t.y, t.z, command.rotation], dtype=np.float64)


def step_record(image: Any, state: Any, command: Any) -> StepRecord:
    """StepRecord from the Image, GripperState and MotionCommand that share one stamp."""
    kind, motion = command_and_motion(command)
    return StepRecord(
        episode_id=int(state.episode_id),
        step=int(state.step),
        stamp_ns=stamp_ns(state.header),
        depth=depth_from_image(image),
        pose=gripper_pose(state.pose, state.yaw),
        opening=float(state.opening),
        closed=bool(state.closed),
        command=kind,
        motion=motion,
        predicted_success=float(command.predicted_success),
        close_score=float(command.close_score),
        camera_frame=str(image.header.frame_id),
    )


def episode_outcome_msg(typestore: Typestore, outcome: EpisodeOutcome) -> Any:
    """grasp_interfaces/EpisodeOutcome of an EpisodeOutcome record."""
    return typestore.types[MSGTYPE_EPISODE_OUTCOME](
        header=header_msg(typestore, outcome.stamp_ns, BASE_FRAME),
        episode_id=outcome.episode_id,
        final_pose=pose_msg(typestore, outcome.final_pose),
        final_yaw=float(outcome.final_pose.yaw),
        success=bool(outcome.success),
        label_method=outcome.label_method,
        label_detail=outcome.label_detail,
        termination=outcome.termination,
        steps=outcome.steps,
    )


def episode_outcome(msg: Any) -> EpisodeOutcome:
    """EpisodeOutcome record from a grasp_interfaces/EpisodeOutcome."""
    return EpisodeOutcome(
        episode_id=int(msg.episode_id),
        stamp_ns=stamp_ns(msg.header),
        final_pose=gripper_pose(msg.final_pose, msg.final_yaw),
        success=bool(msg.success),
        label_method=str(msg.label_method),
        label_detail=str(msg.label_detail),
        termination=str(msg.termination),
        steps=int(msg.steps),
    )
