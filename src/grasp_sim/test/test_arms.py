"""Every robot profile against the arm descriptions we ship, and the descriptions against their vendors' values."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import mujoco
import numpy as np
import pytest
from grasp_servo.pose import GripperPose
from grasp_servo.robot_profiles import PROFILES, get_profile
from grasp_sim.arm_ik import ArmIK
from grasp_sim.arm_model import PINCH_SITE, arm_mjcf
from grasp_sim.arms import ROBOT_MODELS, robot_model
from grasp_sim.arms.description import _rotation, quat_matrix, rpy_quat
from grasp_sim.arms.urdf import PINCH_LINK, arm_urdf

ROBOTS = sorted(PROFILES)

#: Spot checks of values as the vendors' files give them (docs/robots.md names each file):
#: robot -> joint -> (lower, upper, velocity), None bounds for continuous joints.
VENDOR_LIMITS = {
    # ros-industrial/abb_experimental kinetic-devel abb_irb120_support/urdf/irb120_3_58_macro.xacro
    "abb": {"joint_2": (-1.91986, 1.91986, 4.36332), "joint_3": (-1.91986, 1.22173, 4.36332),
            "joint_6": (-6.98132, 6.98132, 7.33038)},
    # Kinovarobotics/kinova-ros noetic-devel kinova_description/urdf/j2n6s200.xacro (47..313 and 19..341 deg)
    "jaco": {"j2n6s200_joint_1": (None, None, 0.6283), "j2n6s200_joint_2": (0.8203, 5.46288, 0.6283),
             "j2n6s200_joint_3": (0.33161, 5.95157, 0.6283), "j2n6s200_joint_6": (None, None, 0.8378)},
    # Kinovarobotics/ros2_kortex jazzy kortex_description/arms/gen3/6dof/urdf/gen3_macro.xacro
    "gen3": {"joint_1": (None, None, 1.3963), "joint_2": (-2.24, 2.24, 1.3963), "joint_3": (-2.57, 2.57, 1.3963),
             "joint_5": (-2.09, 2.09, 1.2218)},
    # Universal_Robots_ROS2_Description config/ur5/joint_limits.yaml
    "ur5": {"elbow_joint": (-3.1416, 3.1416, 3.15)},
}


@pytest.mark.parametrize("robot", ROBOTS)
def test_profile_matches_the_description(robot: str) -> None:
    profile, model = get_profile(robot), robot_model(robot)
    arm = model.arm
    assert profile.joint_names == arm.joint_names
    assert (profile.base_frame, profile.tool_frame) == (arm.base_link, arm.tool_link)
    assert profile.max_joint_speed == pytest.approx(arm.velocity_limits.min())
    assert profile.gripper.max_opening == model.gripper.max_opening
    limits = arm.joint_limits
    home = np.array(profile.home_joints)
    assert np.all((home >= limits[:, 0]) & (home <= limits[:, 1])), f"{robot} home {home} outside {limits}"


@pytest.mark.parametrize("robot", ROBOTS)
def test_descriptions_keep_the_vendors_limits(robot: str) -> None:
    links = {link.joint: link for link in robot_model(robot).arm.links}
    for joint, (lower, upper, velocity) in VENDOR_LIMITS[robot].items():
        link = links[joint]
        assert link.velocity == pytest.approx(velocity)
        if lower is None:
            assert link.continuous and (link.lower, link.upper) == (-2 * math.pi, 2 * math.pi)
        else:
            assert not link.continuous and (link.lower, link.upper) == pytest.approx((lower, upper))


def test_the_vendors_forward_kinematics_at_zero() -> None:
    # tool0 of the IRB 120 and end_effector_link of the Gen3 at all-zero joints, from the vendors' URDF origins.
    np.testing.assert_allclose(robot_model("abb").arm.forward(np.zeros(6))[:3, 3], [0.374, 0.0, 0.630], atol=1e-9)
    np.testing.assert_allclose(robot_model("gen3").arm.forward(np.zeros(6))[:3, 3], [0.0, 0.0014, 1.1766], atol=1e-4)


@pytest.mark.parametrize("robot", ROBOTS)
def test_mjcf_and_urdf_are_the_same_arm(robot: str) -> None:
    model = robot_model(robot)
    arm = model.arm
    mj = mujoco.MjModel.from_xml_string(arm_mjcf(model.gripper, arm=arm))
    data = mujoco.MjData(mj)
    np.testing.assert_allclose([mj.joint(j).range for j in arm.joint_names], arm.joint_limits)
    urdf = ET.fromstring(arm_urdf(arm, model.gripper))
    assert {arm.base_link, arm.tool_link, PINCH_LINK} <= {link.get("name") for link in urdf.iter("link")}
    rng = np.random.default_rng(1)
    tool = mj.body(arm.tool_link).id
    for _ in range(5):
        joints = rng.uniform(-2.0, 2.0, 6)
        data.qpos[[mj.joint(j).qposadr[0] for j in arm.joint_names]] = joints
        mujoco.mj_forward(mj, data)
        pose = _urdf_forward(urdf, joints)
        np.testing.assert_allclose(pose[:3, 3], data.xpos[tool], atol=1e-6)
        np.testing.assert_allclose(pose[:3, :3], data.xmat[tool].reshape(3, 3), atol=1e-6)
        np.testing.assert_allclose(arm.forward(joints)[:3, 3], data.xpos[tool], atol=1e-9)
        pinch = pose @ _translation(0.0, 0.0, model.gripper.pinch_offset)
        np.testing.assert_allclose(pinch[:3, 3], data.site_xpos[mj.site(PINCH_SITE).id], atol=1e-6)


@pytest.mark.parametrize("robot", ROBOTS)
def test_the_camera_sits_where_the_model_contract_says(robot: str) -> None:
    gripper = robot_model(robot).gripper
    assert gripper.pinch_offset - gripper.camera_offset == pytest.approx(0.058)


@pytest.mark.parametrize("robot", ROBOTS)
def test_ik_reaches_the_object_region_from_home(robot: str) -> None:
    profile = get_profile(robot)
    (x0, x1), (y0, y1) = profile.object_x_range, profile.object_y_range
    workspace = profile.workspace
    assert workspace.x_min < x0 < x1 < workspace.x_max and workspace.y_min < y0 < y1 < workspace.y_max
    ik = ArmIK(np.array(profile.home_joints), robot)
    home_pose = ik.forward(np.array(profile.home_joints))
    assert home_pose.z > 0.2 and x0 - 0.05 < home_pose.x < x1 + 0.05  # above the objects, pointing down
    for x in (x0, x1):
        for y in (y0, y1):
            for z in (0.015, 0.28, 0.43):
                ik.solve(GripperPose(x, y, z, 0.0), np.array(profile.home_joints))


def test_every_profile_has_a_simulated_arm() -> None:
    assert sorted(ROBOT_MODELS) == ROBOTS


def _translation(x: float, y: float, z: float) -> np.ndarray:
    out = np.eye(4)
    out[:3, 3] = (x, y, z)
    return out


def _urdf_forward(urdf: ET.Element, joints: np.ndarray) -> np.ndarray:
    """base -> tool frame by walking the URDF's joints in order (the chain is serial)."""
    pose, values = np.eye(4), iter(joints)
    tool = next(j for j in urdf.iter("joint") if j.get("type") == "fixed")
    for joint in urdf.iter("joint"):
        origin = joint.find("origin")
        step = np.eye(4)
        step[:3, :3] = quat_matrix(rpy_quat(*(float(v) for v in origin.get("rpy").split())))
        step[:3, 3] = [float(v) for v in origin.get("xyz").split()]
        pose = pose @ step
        if joint.get("type") != "fixed":
            pose = pose @ _rotation(tuple(float(v) for v in joint.find("axis").get("xyz").split()), next(values))
        if joint is tool:
            return pose
    raise AssertionError("no tool joint")


@pytest.mark.parametrize("robot", ROBOTS)
def test_no_arm_touches_itself_over_the_object_region(robot: str) -> None:
    """A permanent self-contact fights the joint servos (the IRB 120's elbow did, once MuJoCo's noslip ran)."""
    profile = get_profile(robot)
    model = mujoco.MjModel.from_xml_string(arm_mjcf(gripper=robot_model(robot).gripper, arm=robot_model(robot).arm))
    data = mujoco.MjData(model)
    home = np.array(profile.home_joints)
    ik = ArmIK(home, robot)
    (x0, x1), (y0, y1) = profile.object_x_range, profile.object_y_range
    for x in (x0, x1):
        for y in (y0, y1):
            for z in (0.015, 0.13, 0.28):
                data.qpos[:] = 0.0
                data.qpos[: len(home)] = ik.solve(GripperPose(x, y, z, 0.0), home)
                mujoco.mj_forward(model, data)
                touching = [(model.body(model.geom_bodyid[c.geom1]).name, model.body(model.geom_bodyid[c.geom2]).name)
                            for c in data.contact[: data.ncon]]
                assert not touching, f"{robot} at ({x}, {y}, {z}): {touching}"
