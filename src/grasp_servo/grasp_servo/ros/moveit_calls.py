"""Planning and executing one pose goal with moveit_py, by duck typing (testable with fakes, no ROS).

``MoveItPy.execute`` changed signature between releases: Jazzy's binding takes
``execute(robot_trajectory, controllers=[...])``, later ones ``execute(group_name, robot_trajectory,
blocking=True)``. pybind11 raises ``TypeError`` before running anything when the arguments do not match, so
trying one form and then the other is safe.
"""

from __future__ import annotations

from typing import Any


def execute_trajectory(moveit: Any, trajectory: Any, group_name: str) -> bool:
    """Execute ``trajectory`` (blocking); False when the execution status reports failure."""
    try:
        status = moveit.execute(trajectory, controllers=[])
    except TypeError:
        status = moveit.execute(group_name, trajectory, blocking=True)
    if status is None or isinstance(status, bool):
        return status is not False
    return bool(status)


def plan_and_execute(moveit: Any, arm: Any, goal: Any, pose_link: str, group_name: str) -> tuple[bool, str]:
    """Plan from the current state to the PoseStamped ``goal`` for ``pose_link`` and execute it.

    Returns (ok, what happened) and never raises for planning or execution failures.
    """
    arm.set_start_state_to_current_state()
    arm.set_goal_state(pose_stamped_msg=goal, pose_link=pose_link)
    plan = arm.plan()
    if not plan:
        return False, "planning failed"
    try:
        ok = execute_trajectory(moveit, plan.trajectory, group_name)
    except RuntimeError as exc:  # moveit_py raises RuntimeError from C++ exceptions
        return False, f"execution failed: {exc}"
    return (True, "executed") if ok else (False, "execution reported failure")
