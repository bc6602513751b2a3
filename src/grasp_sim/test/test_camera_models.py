"""Real-camera options of the world's depth camera, and the model contract's description of that camera."""

import numpy as np
import pytest
from grasp_servo.pose import GripperPose
from grasp_sim.arm_model import CAMERA_SITE, GripperGeometry
from grasp_sim.depth_camera import CameraConfig, RayCastDepthCamera
from grasp_sim.depth_noise import DepthNoiseConfig
from grasp_sim.world import GraspWorld
from grasp_sim.world_config import WorldConfig


@pytest.fixture(scope="module")
def world():
    world = GraspWorld(WorldConfig(min_objects=2, max_objects=2, object_set="heldout"))
    world.reset(12)
    target = world.object_states()[0].position
    world.move_to(GripperPose(target[0], target[1], 0.2, world.gripper_pose().yaw))
    return world


def camera(world, **config) -> RayCastDepthCamera:
    return RayCastDepthCamera(world.model, CAMERA_SITE, CameraConfig(**config))


def test_the_contract_describes_the_world_camera():
    contract = pytest.importorskip("grasp_perception.contract")
    spec = contract.CameraSpec()
    config, gripper = CameraConfig(), GripperGeometry()
    np.testing.assert_allclose(spec.intrinsics().k(), config.intrinsics(), rtol=1e-12)
    assert (spec.width, spec.height) == (config.width, config.height)
    assert spec.mount.translation == pytest.approx([0.0, 0.0, -(gripper.pinch_offset - gripper.camera_offset)])
    assert spec.mount.rotation_xyzw == [0.0, 0.0, 0.0, 1.0]  # the camera site has the pinch site's axes
    assert spec.max_range == config.far and spec.min_range == 0.0
    assert not spec.sees_gripper and spec.noise == "none"


def test_defaults_render_exactly_as_before(world):
    ideal = world.camera.render_depth(world.data)
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    np.testing.assert_array_equal(camera(world).render_depth(world.data, rng), ideal)
    assert rng.bit_generator.state == state  # no noise model: no draws


def test_noise_needs_the_episode_rng_and_gives_a_real_sensors_frame(world):
    noisy = camera(world, noise=DepthNoiseConfig())
    with pytest.raises(ValueError, match="episode's rng"):
        noisy.render_depth(world.data)
    ideal = world.camera.render_depth(world.data)
    frame = noisy.render_depth(world.data, np.random.default_rng(4))
    np.testing.assert_array_equal(frame, noisy.render_depth(world.data, np.random.default_rng(4)))
    finite = np.isfinite(frame)
    assert 0.9 < finite.mean() < 1.0 and np.isnan(frame).any()  # holes: edges, shadows, dropout
    error = np.abs(frame[finite] - ideal[finite])
    assert 0 < np.median(error) < 0.002
    # From 5 cm above the table the lens is 0.108 m from it: nearer than the D435's 0.19 m minimum.
    pose = world.gripper_pose()
    world.move_to(GripperPose(pose.x, pose.y, 0.05, pose.yaw))
    try:
        assert np.isneginf(noisy.render_depth(world.data, np.random.default_rng(0))).mean() > 0.9
    finally:
        world.move_to(pose)


def test_fingers_in_view(world):
    ideal = world.camera.render_depth(world.data)
    fingers = camera(world, fingers_in_view=True).render_depth(world.data)
    changed = fingers < ideal - 0.01
    gripper = GripperGeometry()
    tips = gripper.palm_length + gripper.finger_length - gripper.camera_offset  # lens to fingertips, 7 cm
    assert changed.any() and np.all(fingers[changed] <= tips + 0.001)
    cols = np.nonzero(changed.any(axis=0))[0]
    assert cols.min() < 16 and cols.max() > 47 and not changed[:, 16:48].any()  # at both sides, open
    assert np.isfinite(fingers).all()  # the palm around the lens is not hit


def test_a_16_9_camera_mounted_elsewhere_reprojects_into_the_model_camera(world):
    reproject = pytest.importorskip("grasp_perception.reproject")
    from grasp_perception.camera_model import Mount, PinholeIntrinsics
    from grasp_perception.contract import CameraSpec

    # A wide 16:9 camera 6 cm behind and 3 cm beside the default lens, pitched 10 degrees.
    angle = np.deg2rad(10.0)
    quat = (float(np.sin(angle / 2)), 0.0, 0.0, float(np.cos(angle / 2)))
    offset = (0.03, 0.0, -0.06)
    wide = camera(world, width=160, height=90, fov_deg=87.0, mount_translation=offset, mount_rotation_xyzw=quat)
    frame = wide.render_depth(world.data)
    spec = CameraSpec()
    lens = spec.mount.translation
    source = reproject.SourceCamera(
        PinholeIntrinsics.from_k(wide.config.intrinsics(), 160, 90),
        Mount((offset[0] + lens[0], offset[1] + lens[1], offset[2] + lens[2]), quat),
    )
    out = reproject.reproject_to_camera(frame, source, spec.intrinsics(), spec.mount.to_mount())
    truth = world.camera.render_depth(world.data)
    both = np.isfinite(out) & np.isfinite(truth)
    assert both.mean() > 0.6
    error = np.abs(out[both] - truth[both])
    assert np.median(error) < 0.001 and np.mean(error < 0.005) > 0.95
