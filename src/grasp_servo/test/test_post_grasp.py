"""The lift test after the servo closes: wait for the gripper, lift, shake, hold, label from the opening."""

from __future__ import annotations

import pytest
from grasp_servo.pose import GripperPose
from grasp_servo.robot_profiles import get_profile
from grasp_servo.ros.conversions import GripperSample
from grasp_servo.ros.post_grasp import DONE, GiveUp, Label, LabelConfig, PostGrasp, SendGoal, shake_goals

MS = 1_000_000
CLOSED_AT = GripperPose(0.5, 0.0, 0.03, 0.2)


def run_to_label(opening_after: float, config: LabelConfig | None = None) -> tuple[list[SendGoal], Label]:
    """Drive a PostGrasp with an arm that reaches every goal at once; the opening after closing is 20 mm."""
    post = PostGrasp(config or LabelConfig(), get_profile("ur5").workspace, close_issued_ns=0)
    now, pose, opening = 10 * MS, CLOSED_AT, 0.020
    sent: list[SendGoal] = []
    for _ in range(200):
        action = post.on_state(now, GripperSample(pose, opening, closed=True), now)
        if isinstance(action, SendGoal):
            sent.append(action)
            pose = action.goal  # the arm arrives
            opening = opening_after
        elif isinstance(action, Label):
            return sent, action
        assert not isinstance(action, GiveUp)
        now += 50 * MS
    raise AssertionError("no label")


def test_lift_then_shake_then_label_held() -> None:
    sent, label = run_to_label(opening_after=0.018)
    assert sent[0].phase == "lifting" and sent[0].goal.z == pytest.approx(CLOSED_AT.z + 0.15)
    assert [s.phase for s in sent[1:]] == ["shaking"] * (len(sent) - 1) and len(sent) == 1 + 2 * (2 * 2 + 1)
    assert label.success and label.label_method == "gripper_opening" and "held" in label.detail
    assert label.final_pose == CLOSED_AT and label.opening_closed == pytest.approx(0.020)


def test_fingers_fully_closed_after_the_shake_is_a_failure() -> None:
    _, label = run_to_label(opening_after=0.001)
    assert not label.success and "not held" in label.detail


def test_no_shake_when_configured_off() -> None:
    sent, label = run_to_label(0.01, LabelConfig(shake_cycles=0))
    assert len(sent) == 1 and label.success and "no shake" in label.detail


def test_shake_goals_stay_around_the_lift_pose() -> None:
    centre = GripperPose(0.5, 0.0, 0.2, 0.0)
    goals = shake_goals(centre, LabelConfig())
    assert goals[-1] == centre
    assert max(abs(g.z - centre.z) for g in goals) == pytest.approx(0.015)
    assert max(abs(g.y - centre.y) for g in goals) == pytest.approx(0.015)


def test_waits_for_the_gripper_then_gives_up_without_a_label() -> None:
    post = PostGrasp(LabelConfig(close_timeout_s=1.0), get_profile("ur5").workspace, close_issued_ns=100 * MS)
    open_state = GripperSample(CLOSED_AT, 0.085, closed=False)
    assert post.on_state(200 * MS, open_state, 200 * MS) is None
    # A "closed" state older than the CLOSE command is not the answer to it.
    assert post.on_state(50 * MS, GripperSample(CLOSED_AT, 0.0, True), 300 * MS) is None
    action = post.on_state(1_200 * MS, open_state, 1_200 * MS)
    assert isinstance(action, GiveUp) and "did not report closed" in action.reason and post.phase == DONE


def test_unreached_goal_goes_on_after_its_timeout_and_says_so() -> None:
    config = LabelConfig(goal_timeout_s=0.5, shake_cycles=0)
    post = PostGrasp(config, get_profile("ur5").workspace, close_issued_ns=0)
    first = post.on_state(MS, GripperSample(CLOSED_AT, 0.02, True), MS)
    assert isinstance(first, SendGoal)
    stuck = GripperSample(CLOSED_AT, 0.02, True)  # the arm never moves
    assert post.on_state(100 * MS, stuck, 100 * MS) is None
    assert post.on_state(700 * MS, stuck, 700 * MS) is None  # timed out: now holding
    label = post.on_state(1_100 * MS, stuck, 1_100 * MS)
    assert isinstance(label, Label) and "not reached" in label.detail


def test_lift_goal_is_kept_inside_the_workspace() -> None:
    post = PostGrasp(LabelConfig(lift_distance=0.5), get_profile("ur5").workspace, close_issued_ns=0)
    action = post.on_state(MS, GripperSample(CLOSED_AT, 0.02, True), MS)
    assert isinstance(action, SendGoal) and action.goal.z == pytest.approx(get_profile("ur5").workspace.upper[2])
