"""Motion node logic without ROS: goal refusals, close sequencing, gripper opening, moveit_py calls."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from grasp_servo.pose import GripperPose
from grasp_servo.robot_profiles import get_profile
from grasp_servo.ros.motion_logic import CloseSequencer, goal_refusal, opening_from_position
from grasp_servo.ros.moveit_calls import execute_trajectory, plan_and_execute

MS = 1_000_000
WORKSPACE = get_profile("ur5").workspace
INSIDE = GripperPose(0.5, 0.0, 0.2, 0.3)


def refusal(pose: GripperPose = INSIDE, stamp: int = 1_000 * MS, now: int = 1_100 * MS, frame: str = "base_link",
            finite: bool = True) -> str | None:
    return goal_refusal(stamp, frame, pose, finite, now, base_frame="base_link", workspace=WORKSPACE,
                        max_age_ns=500 * MS, tolerance=0.002)


def test_goal_inside_the_workspace_is_accepted() -> None:
    assert refusal() is None
    assert refusal(GripperPose(0.701, 0.0, 0.2, 0.0)) is None  # within the rounding tolerance


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"now": 2_000 * MS}, "old"),
        ({"stamp": 2_000 * MS}, "future"),
        ({"frame": "tool0"}, "frame"),
        ({"finite": False}, "finite"),
        ({"pose": GripperPose(0.9, 0.0, 0.2, 0.0)}, "outside the workspace"),
        ({"pose": GripperPose(0.5, 0.0, -0.05, 0.0)}, "outside the workspace"),
    ],
)
def test_goal_refusals(kwargs: dict[str, Any], fragment: str) -> None:
    reason = refusal(**kwargs)
    assert reason is not None and fragment in reason


def test_close_after_its_goal_whichever_comes_first() -> None:
    sequencer = CloseSequencer()
    assert sequencer.close_requested(10) == "wait"
    assert sequencer.goal_executed(20) is False  # another step's goal
    assert sequencer.goal_executed(10) is True  # the awaited descend goal: close now

    sequencer.reset()
    assert sequencer.goal_executed(30) is False
    assert sequencer.close_requested(30) == "close"

    sequencer.reset()
    assert sequencer.close_requested(40) == "wait"
    assert sequencer.goal_failed(40) is True  # its goal was refused: the close is dropped
    assert sequencer.goal_executed(40) is False
    sequencer.reset()
    sequencer.goal_failed(50)
    assert sequencer.close_requested(50) == "refuse"


def test_opening_from_position_both_conventions() -> None:
    assert opening_from_position(0.085, 0.085, 0.0, 0.085) == pytest.approx(0.085)  # finger distance
    assert opening_from_position(0.0, 0.0, 0.8, 0.085) == pytest.approx(0.085)  # knuckle angle, open
    assert opening_from_position(0.8, 0.0, 0.8, 0.085) == pytest.approx(0.0)
    assert opening_from_position(0.4, 0.0, 0.8, 0.085) == pytest.approx(0.0425)
    assert opening_from_position(2.0, 0.0, 0.8, 0.085) == 0.0
    assert opening_from_position(0.3, 0.5, 0.5, 0.085) == 0.085


class FakeArm:
    def __init__(self, plan_ok: bool = True) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.plan_ok = plan_ok

    def set_start_state_to_current_state(self) -> None:
        self.calls.append(("start", None))

    def set_goal_state(self, *, pose_stamped_msg: Any, pose_link: str) -> None:
        self.calls.append(("goal", (pose_stamped_msg, pose_link)))

    def plan(self) -> Any:
        self.calls.append(("plan", None))
        return SimpleNamespace(trajectory="trajectory") if self.plan_ok else None


class JazzyMoveIt:
    """execute(robot_trajectory, controllers=...)"""

    def __init__(self) -> None:
        self.executed: list[Any] = []

    def execute(self, robot_trajectory: Any, *, controllers: list[str], blocking: bool = True) -> Any:
        self.executed.append((robot_trajectory, controllers))
        return SimpleNamespace(status="SUCCEEDED")


class NewerMoveIt:
    """execute(group_name, robot_trajectory, blocking=True), returning a falsy status on failure."""

    def __init__(self, ok: bool = True) -> None:
        self.executed: list[Any] = []
        self.ok = ok

    def execute(self, group_name: str, robot_trajectory: Any, blocking: bool = True) -> Any:
        if not isinstance(group_name, str):
            raise TypeError("incompatible function arguments")
        self.executed.append((group_name, robot_trajectory))
        return self.ok


def test_plan_and_execute_with_either_execute_signature() -> None:
    arm, moveit = FakeArm(), JazzyMoveIt()
    assert plan_and_execute(moveit, arm, "goal", "tool0", "ur_manipulator") == (True, "executed")
    assert [c[0] for c in arm.calls] == ["start", "goal", "plan"] and arm.calls[1][1] == ("goal", "tool0")
    assert moveit.executed == [("trajectory", [])]

    newer = NewerMoveIt()
    assert plan_and_execute(newer, FakeArm(), "goal", "tool0", "ur_manipulator")[0] is True
    assert newer.executed == [("ur_manipulator", "trajectory")]
    assert execute_trajectory(NewerMoveIt(ok=False), "t", "g") is False


def test_failed_plan_does_not_execute() -> None:
    moveit = JazzyMoveIt()
    assert plan_and_execute(moveit, FakeArm(plan_ok=False), "goal", "tool0", "g") == (False, "planning failed")
    assert moveit.executed == []
