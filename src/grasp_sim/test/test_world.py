"""The embedded world with real MuJoCo physics: camera frame convention, IK, lift-test labels, options."""

import numpy as np
import pytest
from grasp_perception.contract import CameraSpec
from grasp_servo.finger_clearance import FingerClearance, FingerFootprint
from grasp_servo.pose import GripperPose, apply_motion, motion_between
from grasp_sim.depth_camera import CameraConfig
from grasp_sim.world import GraspWorld
from grasp_sim.world_config import WorldConfig


@pytest.fixture(scope="module")
def single_object_world():
    return GraspWorld(WorldConfig(min_objects=1, max_objects=1, object_set="heldout"))


def test_reset_is_deterministic_and_objects_rest_on_the_table():
    world = GraspWorld(WorldConfig())
    names_a = world.reset(11)
    positions_a = [s.position for s in world.object_states()]
    names_b = world.reset(11)
    positions_b = [s.position for s in world.object_states()]
    assert names_a == names_b and 1 <= len(names_a) <= 5
    np.testing.assert_allclose(positions_a, positions_b, atol=1e-9)
    for state in world.object_states():
        assert -0.003 < state.position[2] < 0.01  # body origin = bottom centre, resting on the table


def test_depth_image_sees_the_object_where_the_motion_convention_says(single_object_world):
    world = single_object_world
    world.reset(3)
    target = world.object_states()[0].position
    pose = world.gripper_pose()
    above = GripperPose(target[0], target[1], 0.2, pose.yaw)
    # Put the object at +5 cm along the motion x axis, then along +y.
    world.move_to(apply_motion(above, np.array([-0.05, 0.0, 0.0, 0.0])))
    observation = world.observe()
    rows, cols = np.nonzero(observation.depth < np.median(observation.depth) - 0.01)
    assert cols.mean() - 31.5 > 4 and abs(rows.mean() - 31.5) < 3
    world.move_to(apply_motion(above, np.array([0.0, -0.05, 0.0, 0.0])))
    observation = world.observe()
    rows, cols = np.nonzero(observation.depth < np.median(observation.depth) - 0.01)
    assert rows.mean() - 31.5 < -4 and abs(cols.mean() - 31.5) < 3
    # Depth is metres along the optical axis: the table is about camera height away.
    camera_height = observation.pose.z + world.gripper.pinch_offset - world.gripper.camera_offset
    assert np.median(observation.depth) == pytest.approx(camera_height, abs=0.01)


def test_moves_reach_the_commanded_pose(single_object_world):
    world = single_object_world
    world.reset(5)
    start = world.gripper_pose()
    reached = world.move(np.array([0.04, -0.03, -0.05, 0.4]))
    expected = apply_motion(start, np.array([0.04, -0.03, -0.05, 0.4]))
    np.testing.assert_allclose(reached.position, expected.position, atol=0.004)
    assert reached.yaw == pytest.approx(expected.yaw, abs=0.03)


def test_a_gripper_turned_one_way_past_its_wrist_limit_keeps_turning(single_object_world):
    # A servo that asks for +0.8 rad on every frame turns the last joint past its 2 pi limit within a few steps.
    # The parallel gripper's grasp repeats every half turn, so the arm turns the other way round to the same
    # grasp instead of staying where it is (before: the pose froze and the same goal came back every frame).
    world = single_object_world
    world.reset(5)
    for _ in range(12):
        before = world.gripper_pose()
        reached = world.move(np.array([0.0, 0.0, 0.0, 0.8]))
        turned = (reached.yaw - before.yaw - 0.8 + np.pi / 2) % np.pi - np.pi / 2  # modulo a half turn
        assert abs(turned) < 0.03
        np.testing.assert_allclose(reached.position, before.position, atol=0.004)


def test_finger_clearance_finds_the_object_under_a_finger_in_a_real_frame(single_object_world):
    # The world's own camera and object: the pads' footprint, the frame's orientation and the turn's sign agree.
    world = single_object_world
    world.reset(4)  # one sphere, 2 cm tall
    target = world.object_states()[0].position
    world.move_to(GripperPose(target[0], target[1] - 0.05, 0.12, 0.0))  # the object 5 cm off along +y
    observation = world.observe()
    pose = observation.pose
    clearance = FingerClearance(CameraSpec.embedded_wrist(), FingerFootprint(opening=world.gripper.max_opening))
    points = clearance.points(observation.depth)
    rel = motion_between(pose, GripperPose(target[0], target[1], pose.z, pose.yaw))
    dz = world.profile.workspace.z_min - pose.z
    pad = world.gripper.max_opening / 2 + 0.005  # the pad's centre, off the pinch point along the closing axis

    def blocked(dx: float, dy: float, dyaw: float = 0.0) -> bool:
        return bool(clearance.blocked(points, np.array([[dx, dy, dz, dyaw]]))[0])

    assert not blocked(rel[0], rel[1])  # centred on it: a grasp
    assert blocked(rel[0] - pad, rel[1]) and blocked(rel[0] + pad, rel[1])  # a pad over it
    turn = 0.5
    assert blocked(rel[0] - pad * np.cos(turn), rel[1] - pad * np.sin(turn), turn)
    assert not blocked(rel[0] - pad * np.cos(turn), rel[1] + pad * np.sin(turn), turn)  # the turn's mirror
    assert not blocked(-0.1, -0.1)  # over the bare table


def test_lift_test_labels_a_real_grasp_success_and_an_empty_grasp_failure(single_object_world):
    world = single_object_world
    world.reset(8)
    state = world.object_states()[0]
    # An empty grasp far from the object fails.
    world.move_to(GripperPose(state.position[0] + 0.12, state.position[1], 0.015, 0.0))
    world.close_gripper()
    failure = world.lift_test()
    assert not failure.success and failure.label_method == "gripper_opening" and "not held" in failure.detail
    # Aligned over the object, across its narrow side: the lift test succeeds for at least one yaw.
    successes = []
    for quarter in (0.0, np.pi / 2):
        world.reset(8)
        state = world.object_states()[0]
        world.move_to(GripperPose(state.position[0], state.position[1], 0.08, state.yaw + quarter))
        pose = world.gripper_pose()
        world.move_to(GripperPose(pose.x, pose.y, 0.015, pose.yaw))
        world.close_gripper()
        successes.append(world.lift_test().success)
    assert any(successes)


def test_early_disturbance_moves_the_nearest_object(single_object_world):
    world = single_object_world
    world.reset(2)
    before = world.object_states()[0].position.copy()
    name = world.disturb()
    moved = np.linalg.norm(world.object_states()[0].position[:2] - before[:2])
    assert 0.015 < moved < 0.08
    assert world.disturbance.mode == "early" and world.disturbance.name == name


def test_kinematic_noise_perturbs_executed_motions():
    motion = np.array([0.05, 0.0, -0.05, 0.0])
    errors = []
    for noise in (0.0, 0.4):
        world = GraspWorld(WorldConfig(min_objects=1, max_objects=1, kinematic_noise=noise))
        world.reset(4)
        start = world.gripper_pose()
        reached = world.move(motion)
        errors.append(np.linalg.norm(reached.position - apply_motion(start, motion).position))
    assert errors[0] < 0.004 < errors[1]


def test_camera_resolution_and_bad_settings():
    world = GraspWorld(WorldConfig(camera=CameraConfig(width=128, height=128), min_objects=1, max_objects=1))
    world.reset(0)
    assert world.observe().depth.shape == (128, 128)
    with pytest.raises(ValueError, match="between 16 and 472"):
        CameraConfig(width=1000)
    with pytest.raises(ValueError, match="objects per scene"):
        WorldConfig(min_objects=0)
    with pytest.raises(ValueError, match=r"unknown robot .kuka.: choose one of"):
        GraspWorld(WorldConfig(), robot="kuka")


def test_stamps_are_monotonic_across_episodes(single_object_world):
    world = single_object_world
    world.reset(0)
    first = world.observe().stamp_ns
    world.reset(1)
    assert world.observe().stamp_ns > first


def test_a_folder_of_user_meshes_becomes_the_object_set(tmp_path):
    trimesh = pytest.importorskip("trimesh")
    meshes = tmp_path / "meshes"
    meshes.mkdir()
    trimesh.creation.box(extents=(0.04, 0.06, 0.05)).export(meshes / "block.stl")
    trimesh.creation.cylinder(radius=0.025, height=0.07, sections=24).export(meshes / "can.obj")
    config = WorldConfig(object_set=str(meshes), min_objects=2, max_objects=2, mesh_cache_dir=str(tmp_path / "cache"))
    world = GraspWorld(config)
    names = world.reset(1)
    assert sorted(n.split("__")[0] for n in names) == ["block", "can"]
    for state in world.object_states():
        assert -0.003 < state.position[2] < 0.01
    assert np.isfinite(world.observe().depth).all()


@pytest.mark.parametrize("object_set", ["everyday", "shapes_test"])
def test_named_object_sets_drop_objects_that_do_not_overlap(object_set):
    import mujoco

    world = GraspWorld(WorldConfig(object_set=object_set, min_objects=5, max_objects=5))
    for seed in range(4):
        names = world.reset(seed)
        assert names and all("__" in name for name in names)
        mujoco.mj_forward(world.model, world.data)
        bodies = set(world._object_body_ids)
        for contact in world.data.contact[: world.data.ncon]:
            pair = {world.model.geom_bodyid[contact.geom1], world.model.geom_bodyid[contact.geom2]}
            assert not (len(pair) == 2 and pair <= bodies), f"seed {seed}: objects dropped into each other"
        assert {obj.family for obj in world.objects} <= set(
            __import__("grasp_sim.objects", fromlist=["OBJECT_SETS"]).OBJECT_SETS[object_set].families
        )
