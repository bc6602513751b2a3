"""gripper_goals: GripperCommand and ParallelGripperCommand goals and results, on stand-ins (no ROS) and, where
control_msgs imports, on the real message classes.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from grasp_servo.ros import gripper_goals as gg

JOINT = "robotiq_85_left_knuckle_joint"


def joint_state() -> SimpleNamespace:
    return SimpleNamespace(name=[], position=[], velocity=[], effort=[])


def gripper_goal() -> SimpleNamespace:
    return SimpleNamespace(command=SimpleNamespace(position=0.0, max_effort=0.0))


def parallel_goal() -> SimpleNamespace:
    return SimpleNamespace(command=joint_state())


def test_gripper_command_goal_carries_position_and_max_effort_even_zero() -> None:
    goal = gg.fill_goal(gg.GRIPPER_COMMAND, gripper_goal(), JOINT, 0.8, 0.0)
    assert (goal.command.position, goal.command.max_effort) == (0.8, 0.0)
    assert gg.read_goal(gg.GRIPPER_COMMAND, goal) == gg.GripperCommandGoal(0.8, 0.0)
    assert gg.goal_refusal(gg.GRIPPER_COMMAND, goal) is None


def test_parallel_goal_names_the_joint_one_position_no_velocity_effort_only_when_set() -> None:
    goal = gg.fill_goal(gg.PARALLEL_GRIPPER_COMMAND, parallel_goal(), JOINT, 0.8, 0.0)
    command = goal.command
    assert (command.name, command.position, command.velocity, command.effort) == ([JOINT], [0.8], [], [])
    assert gg.read_goal(gg.PARALLEL_GRIPPER_COMMAND, goal) == gg.GripperCommandGoal(0.8, 0.0)
    strong = gg.fill_goal(gg.PARALLEL_GRIPPER_COMMAND, parallel_goal(), JOINT, 0.0, 40.0)
    assert strong.command.effort == [40.0]
    assert gg.read_goal(gg.PARALLEL_GRIPPER_COMMAND, strong) == gg.GripperCommandGoal(0.0, 40.0)


@pytest.mark.parametrize("positions", [[], [0.1, 0.2]])
def test_parallel_goal_without_exactly_one_position_is_refused(positions: list[float]) -> None:
    goal = parallel_goal()
    goal.command.position = positions
    reason = gg.goal_refusal(gg.PARALLEL_GRIPPER_COMMAND, goal)
    assert reason == f"expects 1 position value, got {len(positions)}"
    with pytest.raises(ValueError, match="expects 1 position value"):
        gg.read_goal(gg.PARALLEL_GRIPPER_COMMAND, goal)


def test_gripper_command_result_and_feedback() -> None:
    for msg in (SimpleNamespace(), SimpleNamespace()):
        gg.fill_state(gg.GRIPPER_COMMAND, msg, JOINT, 0.41, 12.5, True, False)
        assert (msg.position, msg.effort, msg.stalled, msg.reached_goal) == (0.41, 12.5, True, False)
        assert gg.read_result(gg.GRIPPER_COMMAND, msg) == gg.GripperResult(0.41, True, False)


def test_parallel_result_and_feedback_carry_a_joint_state() -> None:
    result = SimpleNamespace(state=joint_state(), stalled=False, reached_goal=False)
    gg.fill_state(gg.PARALLEL_GRIPPER_COMMAND, result, JOINT, 0.8, 3.0, False, True)
    assert (result.state.name, result.state.position, result.state.effort) == ([JOINT], [0.8], [3.0])
    assert (result.stalled, result.reached_goal) == (False, True)
    assert gg.read_result(gg.PARALLEL_GRIPPER_COMMAND, result, JOINT) == gg.GripperResult(0.8, False, True)
    feedback = SimpleNamespace(state=joint_state())  # the Feedback has no stalled / reached_goal
    gg.fill_state(gg.PARALLEL_GRIPPER_COMMAND, feedback, JOINT, 0.3, 1.0, True, False)
    assert feedback.state.position == [0.3] and not hasattr(feedback, "stalled")


def test_parallel_result_as_the_controller_fills_it() -> None:
    # parallel_gripper_action_controller leaves state.name empty: the first position is the joint's.
    controller = SimpleNamespace(state=SimpleNamespace(name=[], position=[0.52], effort=[0.0]), stalled=True,
                                 reached_goal=False)
    assert gg.read_result(gg.PARALLEL_GRIPPER_COMMAND, controller, JOINT) == gg.GripperResult(0.52, True, False)
    named = SimpleNamespace(state=SimpleNamespace(name=["other", JOINT], position=[0.1, 0.7]), stalled=False,
                            reached_goal=True)
    assert gg.read_result(gg.PARALLEL_GRIPPER_COMMAND, named, JOINT).position == 0.7
    canceled = SimpleNamespace(state=joint_state(), stalled=False, reached_goal=False)  # an empty Result
    assert gg.read_result(gg.PARALLEL_GRIPPER_COMMAND, canceled, JOINT) == gg.GripperResult(None, False, False)


def test_an_unknown_type_is_an_error() -> None:
    with pytest.raises(ValueError, match="'robotiq' is not one of gripper_command, parallel_gripper_command"):
        gg.fill_goal("robotiq", gripper_goal(), JOINT, 0.0, 0.0)


def test_the_real_messages() -> None:
    actions: Any = pytest.importorskip(
        "control_msgs.action", reason="control_msgs is not installed: source a ROS 2 Jazzy workspace"
    )
    assert gg.action_class(gg.GRIPPER_COMMAND) is actions.GripperCommand
    parallel = gg.action_class(gg.PARALLEL_GRIPPER_COMMAND)
    assert parallel is actions.ParallelGripperCommand

    goal = gg.fill_goal(gg.PARALLEL_GRIPPER_COMMAND, parallel.Goal(), JOINT, 0.8, 25.0)
    assert list(goal.command.name) == [JOINT] and list(goal.command.position) == [0.8]
    assert list(goal.command.velocity) == [] and list(goal.command.effort) == [25.0]
    assert gg.read_goal(gg.PARALLEL_GRIPPER_COMMAND, goal) == gg.GripperCommandGoal(0.8, 25.0)
    default_effort = gg.fill_goal(gg.PARALLEL_GRIPPER_COMMAND, parallel.Goal(), JOINT, 0.0, 0.0)
    assert list(default_effort.command.effort) == []
    assert gg.goal_refusal(gg.PARALLEL_GRIPPER_COMMAND, parallel.Goal()) == "expects 1 position value, got 0"

    result = gg.fill_state(gg.PARALLEL_GRIPPER_COMMAND, parallel.Result(), JOINT, 0.6, 9.0, True, False)
    assert list(result.state.name) == [JOINT] and list(result.state.effort) == [9.0]
    assert gg.read_result(gg.PARALLEL_GRIPPER_COMMAND, result, JOINT) == gg.GripperResult(0.6, True, False)
    assert gg.read_result(gg.PARALLEL_GRIPPER_COMMAND, parallel.Result(), JOINT).position is None
    feedback = gg.fill_state(gg.PARALLEL_GRIPPER_COMMAND, parallel.Feedback(), JOINT, 0.6, 9.0, True, False)
    assert list(feedback.state.position) == [0.6]

    classic = gg.fill_goal(gg.GRIPPER_COMMAND, actions.GripperCommand.Goal(), JOINT, 0.8, 0.0)
    assert (classic.command.position, classic.command.max_effort) == (0.8, 0.0)
    done = gg.fill_state(gg.GRIPPER_COMMAND, actions.GripperCommand.Result(), JOINT, 0.5, 2.0, False, True)
    assert gg.read_result(gg.GRIPPER_COMMAND, done) == gg.GripperResult(0.5, False, True)
    gg.fill_state(gg.GRIPPER_COMMAND, actions.GripperCommand.Feedback(), JOINT, 0.5, 2.0, False, True)
