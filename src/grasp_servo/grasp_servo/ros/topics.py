"""Topic names of the grasp graph (the bag topics of grasp_datacollect.bag_types, plus the goal pose)."""

from __future__ import annotations

TOPIC_DEPTH_IMAGE = "/wrist_camera/depth/image_raw"
TOPIC_GRIPPER_STATE = "/grasp/gripper_state"
TOPIC_MOTION_COMMAND = "/grasp/motion_command"
TOPIC_EPISODE_START = "/grasp/episode_start"
TOPIC_EPISODE_OUTCOME = "/grasp/episode_outcome"
TOPIC_GOAL_POSE = "/grasp/goal_pose"
TOPIC_ENCODED_FRAME = "/grasp/encoded_frame"
TOPIC_CAMERA_INFO = "/wrist_camera/depth/camera_info"
TOPIC_JOINT_STATES = "/joint_states"
