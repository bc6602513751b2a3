"""Optional colour frames: rendered with OpenGL (EGL), pixel-aligned with the ray-cast depth."""

import json
import subprocess
import sys

import pytest

PROBE = """
import json, numpy as np
from grasp_servo.pose import GripperPose
from grasp_sim.depth_camera import CameraConfig
from grasp_sim.world import GraspWorld
from grasp_sim.world_config import WorldConfig
world = GraspWorld(WorldConfig(camera=CameraConfig(rgb=True), min_objects=1, max_objects=1))
world.reset(3)
target = world.object_states()[0].position
world.move_to(GripperPose(target[0] + 0.03, target[1] - 0.02, 0.15, 0.4))
observation = world.observe()
depth, rgb = observation.depth, observation.rgb.astype(float)
near = depth < np.median(depth) - 0.01
table = np.median(rgb[~near], axis=0)
thing = rgb[near].mean(axis=0)
coloured = np.linalg.norm(rgb - thing, axis=-1) < np.linalg.norm(rgb - table, axis=-1)
iou = float((coloured & near).sum() / (coloured | near).sum())
print(json.dumps({"shape": list(rgb.shape), "iou": iou, "object_pixels": int(near.sum())}))
"""


def test_colour_frame_lines_up_with_the_depth_frame():
    run = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "MUJOCO_GL": "egl"},
        timeout=120,
    )
    if run.returncode != 0 and "OpenGL context" in run.stderr:
        pytest.skip("no OpenGL (EGL) context on this machine: colour frames are optional")
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["shape"] == [64, 64, 3]
    assert result["object_pixels"] > 20
    assert result["iou"] > 0.7  # the object covers the same pixels in colour as in depth
