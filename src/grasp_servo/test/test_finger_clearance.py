"""Finger clearance: which motions would set a finger down on a surface the depth frame shows (numpy frames)."""

import numpy as np
import pytest
from grasp_perception.contract import CameraSpec
from grasp_servo.finger_clearance import FingerClearance, FingerFootprint, surface_points

CAMERA = CameraSpec.embedded_wrist()
CAMERA_ABOVE_PINCH = 0.058
GRASP_HEIGHT = 0.015  # the pinch point's height above the table at a grasp (the UR5 workspace's floor)


def frame_with_box(
    pinch_height: float, centre=(0.0, 0.0), half=(0.01, 0.01), top=0.03, px: int = 64, turn: float = 0.0
) -> np.ndarray:
    """The wrist camera's frame with the pinch point ``pinch_height`` above a table and a box on it.

    The box's top (``top`` m above the table) is centred at ``centre`` in the yaw-aligned frame of the pose, its
    sides turned by ``turn`` (rad) from the frame's axes.
    """
    k = CAMERA.intrinsics().scaled(px, px)
    cols, rows = np.meshgrid(np.arange(px), np.arange(px))
    ray_x, ray_y = (cols - k.cx) / k.fx, (rows - k.cy) / k.fy
    depth = np.full((px, px), pinch_height + CAMERA_ABOVE_PINCH)
    z_top = pinch_height + CAMERA_ABOVE_PINCH - top
    x, y = ray_x * z_top, -ray_y * z_top  # yaw-aligned: x along the pinch frame's x, y against its y
    c, s = np.cos(turn), np.sin(turn)
    u, v = c * (x - centre[0]) + s * (y - centre[1]), -s * (x - centre[0]) + c * (y - centre[1])
    inside = (np.abs(u) <= half[0]) & (np.abs(v) <= half[1])
    depth[inside] = z_top
    return depth


def down(pinch_height: float, dx: float = 0.0, dy: float = 0.0, dyaw: float = 0.0) -> np.ndarray:
    return np.array([[dx, dy, GRASP_HEIGHT - pinch_height, dyaw]])


def test_points_are_heights_in_the_yaw_aligned_frame_and_skip_holes_and_the_fingers():
    depth = frame_with_box(0.10, centre=(0.03, 0.02), top=0.04)
    depth[0, 0] = np.nan
    depth[0, 1] = 0.0
    depth[31:33, 62] = 0.065  # the +x finger, seen 4.3 cm off the axis, above its tips: not an obstacle
    depth[63, 0] = 0.065  # as near, but where no finger is: an obstacle
    points = FingerClearance(CAMERA).points(depth)
    assert len(points) == 64 * 64 - 4
    assert np.sum(points[:, 2] > -0.012) == 1
    top = points[(points[:, 2] > -0.08) & (points[:, 2] < -0.012)]
    np.testing.assert_allclose(top[:, 2], 0.04 - 0.10, atol=1e-9)  # the box's top, relative to the pinch
    assert np.mean(top[:, 0]) == pytest.approx(0.03, abs=0.003)
    assert np.mean(top[:, 1]) == pytest.approx(0.02, abs=0.003)


def test_a_box_under_a_finger_blocks_the_close_there_and_not_between_the_fingers():
    clearance = FingerClearance(CAMERA, max_contact_angle_deg=0.0)
    points = clearance.points(frame_with_box(0.10, centre=(0.0, 0.0), half=(0.015, 0.015)))
    assert not clearance.blocked(points, down(0.10))[0]  # the box between the pads: a grasp
    pad = 0.085 / 2 + 0.005
    assert clearance.blocked(points, down(0.10, dx=-pad))[0]  # the +x pad over the box
    assert clearance.blocked(points, down(0.10, dx=pad))[0]  # the -x pad
    assert not clearance.blocked(points, down(0.10, dx=-pad, dy=0.04))[0]  # beside the pad's width
    # Turned a quarter, the pads lie along y: the box is between them again when the pinch is 4.75 cm off in x.
    assert not clearance.blocked(points, down(0.10, dx=-pad, dyaw=np.pi / 2))[0]
    assert clearance.blocked(points, down(0.10, dy=-pad, dyaw=np.pi / 2))[0]


def test_surfaces_the_fingertips_clear_do_not_block():
    clearance = FingerClearance(CAMERA)
    table = clearance.points(np.full((64, 64), 0.10 + CAMERA_ABOVE_PINCH))
    motions = np.concatenate([down(0.10, dx, dy, yaw) for dx, dy, yaw in np.random.default_rng(0).uniform(
        [-0.1, -0.1, -1.5], [0.1, 0.1, 1.5], (50, 3))])
    assert not clearance.blocked(table, motions).any()  # the fingertips end 3 mm above the table
    # The fingertips end 3 mm above the table, and 6 mm more is clearance: an 8 mm plate is clear, 10 mm is not.
    thin = clearance.points(frame_with_box(0.10, half=(0.05, 0.05), top=0.008))
    assert not clearance.blocked(thin, down(0.10))[0]
    thick = clearance.points(frame_with_box(0.10, half=(0.05, 0.05), top=0.010))
    assert clearance.blocked(thick, down(0.10))[0]
    # A motion that stops higher up clears a taller surface.
    assert not clearance.blocked(thick, np.array([[0.0, 0.0, 0.0, 0.0]]))[0]


def test_frames_of_another_resolution_use_scaled_intrinsics():
    clearance = FingerClearance(CAMERA)
    pad = 0.085 / 2 + 0.005
    for px in (32, 128):
        points = clearance.points(frame_with_box(0.06, centre=(pad, 0.0), px=px))
        assert clearance.blocked(points, down(0.06))[0]
        assert not clearance.blocked(points, down(0.06, dx=pad))[0]


def test_the_guard_gives_blocked_motions_the_worst_score_and_leaves_the_rest():
    clearance = FingerClearance(CAMERA)
    points = clearance.points(frame_with_box(0.10, half=(0.015, 0.015)))
    pad = 0.085 / 2 + 0.005
    motions = np.concatenate([down(0.10), down(0.10, dx=-pad), down(0.10, dx=0.1)])
    guarded = clearance.guard(lambda m: np.full(len(m), 0.8), points, blocked_score=0.0)
    np.testing.assert_allclose(guarded(motions), [0.8, 0.0, 0.8])
    # A wrong count is passed through for the servo's own check to report.
    assert len(clearance.guard(lambda m: np.zeros(2), points, 0.0)(motions)) == 2


def test_bad_footprints_and_frames_are_refused():
    with pytest.raises(ValueError, match="opening"):
        FingerFootprint(opening=0.0)
    with pytest.raises(ValueError, match="margin"):
        FingerFootprint(margin=-0.001)
    with pytest.raises(ValueError, match="non-empty"):
        surface_points(np.zeros((0, 0)), CAMERA)
    with pytest.raises(ValueError, match="shape"):
        surface_points(np.zeros(64), CAMERA)


def test_encoded_features_bring_their_model_camera_frame_or_are_refused():
    from grasp_perception.split_model import EncodedFeatures

    clearance = FingerClearance(CAMERA)
    depth = frame_with_box(0.10)
    features = np.zeros((2, 2, 2), np.float32)
    with_frame = EncodedFeatures(features, 1.0, "sha", model_frame=depth)
    np.testing.assert_array_equal(clearance.points(with_frame), clearance.points(depth))
    with pytest.raises(ValueError, match="carry none"):
        clearance.points(EncodedFeatures(features, 1.0, "sha"))


class FlatScorer:
    """Every motion equally good: what the servo then does is the clearance check's doing alone."""

    def preprocess(self, depth: np.ndarray) -> np.ndarray:
        return depth

    def score_preprocessed(self, image: np.ndarray, motions: np.ndarray, *state: float) -> np.ndarray:
        return np.full(len(motions), 0.8)


def test_the_cem_servo_raises_instead_of_closing_with_a_finger_over_an_object():
    from grasp_servo.controllers import ClosedLoopController
    from grasp_servo.pose import GripperPose
    from grasp_servo.robot_profiles import get_profile
    from grasp_servo.servo import CEMServo, ServoConfig

    workspace = get_profile("ur5").workspace
    pose = GripperPose(0.5, 0.0, 0.04, 0.0)  # under close_height: "no motion" would close here
    pad = 0.085 / 2 + 0.005
    depth = frame_with_box(0.04, centre=(pad, 0.0), top=0.02)  # the +x pad right above a box
    rng = np.random.default_rng(0)
    plain = ClosedLoopController(FlatScorer(), CEMServo(ServoConfig(), workspace))
    assert plain.decide(depth, pose, 0, rng).command == "close"
    guarded = ClosedLoopController(FlatScorer(), CEMServo(ServoConfig(), workspace), FingerClearance(CAMERA))
    decision = guarded.decide(depth, pose, 0, rng)
    assert decision.command == "raise" and decision.close_score == 0.0
    points = FingerClearance(CAMERA).points(depth)
    assert not FingerClearance(CAMERA).blocked(points, decision.best_motion[None])[0]


@pytest.mark.parametrize(("turn_deg", "squeezed"), [(0, False), (10, False), (40, True), (-40, True)])
def test_pads_do_not_close_on_faces_turned_past_the_contact_angle(turn_deg: float, squeezed: bool):
    # A 2.4 x 8 cm bar between the pads, seen from 5 cm above the grasp height; turned, each pad meets a slanted
    # face across its whole width.
    clearance = FingerClearance(CAMERA)  # 25 deg
    points = clearance.points(frame_with_box(0.065, half=(0.012, 0.04), top=0.04, turn=np.radians(turn_deg)))
    assert clearance.blocked(points, down(0.065))[0] == squeezed
    # Turning the gripper with the box squares the faces again.
    assert not clearance.blocked(points, down(0.065, dyaw=np.radians(turn_deg)))[0]
    assert not FingerClearance(CAMERA, max_contact_angle_deg=0.0).blocked(points, down(0.065))[0]  # off


def test_the_contact_angle_must_be_below_a_right_angle():
    with pytest.raises(ValueError, match=r"max_contact_angle_deg must be in \[0, 90\)"):
        FingerClearance(CAMERA, max_contact_angle_deg=90.0)
