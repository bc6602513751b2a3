"""Planning, executing and stopping with moveit_py, by duck typing (testable with fakes, no ROS).

``MoveItPy.execute`` has two signatures (docs/moveit.md, checked in moveit/moveit2
``moveit_py/src/moveit/moveit_ros/moveit_cpp/moveit_cpp.cpp``):

- Jazzy (and Iron, and main): ``execute(robot_trajectory, controllers)``; ``controllers`` has no default and an
  empty list lets the trajectory execution manager pick the group's controllers. The call releases the GIL.
- Humble (the moveit_py backport): ``execute(group_name, robot_trajectory, blocking=True)``; it holds the GIL
  while the arm moves, so the node's other Python threads wait until it returns.

pybind11 resolves the arguments before running anything and raises ``TypeError`` ("incompatible function
arguments") when they do not match, so the Jazzy form is tried first and the Humble form only after such a
mismatch. Both return a ``moveit.core.controller_manager.ExecutionStatus``: truthy only on SUCCEEDED, its
``status`` the name (SUCCEEDED, PREEMPTED, ABORTED, TIMED_OUT, FAILED, ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

#: Messages of a call whose arguments did not match the signature: pybind11's, and CPython's for the fakes.
_SIGNATURE_MISMATCH = re.compile(
    r"incompatible function arguments|unexpected keyword argument|positional argument|required (?:keyword|positional)"
)


def is_signature_mismatch(error: TypeError) -> bool:
    """True when ``error`` says the arguments did not fit the signature (nothing ran), not a failure inside."""
    return bool(_SIGNATURE_MISMATCH.search(str(error)))


def execute_status(moveit: Any, trajectory: Any, group_name: str) -> Any:
    """Execute ``trajectory`` (blocking) with whichever ``MoveItPy.execute`` signature this release has.

    Returns what ``execute`` returned (an ExecutionStatus). A TypeError that is not a signature mismatch is
    raised as it is: the first call may have moved the arm, so it is never repeated.
    """
    try:
        return moveit.execute(trajectory, controllers=[])  # Jazzy, Iron, main
    except TypeError as error:
        if not is_signature_mismatch(error):
            raise
    return moveit.execute(group_name, trajectory, blocking=True)  # Humble backport


def status_ok(status: Any) -> bool:
    """Whether an execution status says the trajectory was executed (None from a fake counts as success)."""
    if status is None or isinstance(status, bool):
        return status is not False
    return bool(status)


def status_text(status: Any) -> str:
    """The status name when the object has one (ExecutionStatus.status), else its repr."""
    name = getattr(status, "status", None)
    return str(name) if name is not None else repr(status)


def execute_trajectory(moveit: Any, trajectory: Any, group_name: str) -> bool:
    """Execute ``trajectory`` (blocking); False when the execution status reports failure."""
    return status_ok(execute_status(moveit, trajectory, group_name))


def plan_with(arm: Any, parameters: Any = None) -> Any:
    """``arm.plan()``, or with ``parameters``: Jazzy names the argument ``single_plan_parameters``, the Humble
    backport ``parameters`` (moveit_py planning_component.cpp of each branch)."""
    if parameters is None:
        return arm.plan()
    try:
        return arm.plan(single_plan_parameters=parameters)
    except TypeError as error:
        if not is_signature_mismatch(error):
            raise
    return arm.plan(parameters=parameters)


def plan_failure(plan: Any) -> str:
    """What a failed plan says: the MoveItErrorCodes value of the response when it has one."""
    code = getattr(getattr(plan, "error_code", None), "val", None)
    return "planning failed" if code is None else f"planning failed: MoveItErrorCodes {code}"


def plan_and_execute(
    moveit: Any, arm: Any, goal: Any, pose_link: str, group_name: str, parameters: Any = None
) -> tuple[bool, str]:
    """Plan from the current state to the PoseStamped ``goal`` for ``pose_link`` and execute it.

    ``parameters``: a ``moveit.planning.PlanRequestParameters`` (see ``plan_parameters``); None plans with the
    node's ``plan_request_params`` (config/moveit_py.yaml: a Pilz LIN straight line). Returns (ok, what
    happened) and never raises for planning or execution failures.
    """
    try:
        arm.set_start_state_to_current_state()
        arm.set_goal_state(pose_stamped_msg=goal, pose_link=pose_link)
        plan = plan_with(arm, parameters)
    except (RuntimeError, ValueError, TypeError) as exc:  # pybind11: C++ exceptions, std::invalid_argument
        return False, f"planning failed: {exc}"
    if not plan:
        return False, plan_failure(plan)
    try:
        status = execute_status(moveit, plan.trajectory, group_name)
    except (RuntimeError, ValueError, TypeError) as exc:
        return False, f"execution failed: {exc}"
    if status_ok(status):
        return True, "executed"
    return False, f"execution reported failure: {status_text(status)}"


def plan_parameters(moveit: Any, namespace: str, factory: Callable[[Any, str], Any] | None = None) -> Any:
    """``PlanRequestParameters`` read from ``<namespace>.plan_request_params.*`` of MoveItPy's node.

    E.g. ``plan_parameters(moveit, "ompl_rrtc")`` for the OMPL set of config/moveit_py.yaml. The binding's
    constructor takes (MoveItPy, namespace) positionally; ``factory`` replaces it in tests.
    """
    if factory is None:
        from moveit.planning import PlanRequestParameters

        factory = PlanRequestParameters
    return factory(moveit, namespace)


def stop_execution(moveit: Any) -> tuple[bool, str]:
    """Stop whatever trajectory MoveItPy is executing now (cancels the controllers' goals); safe when idle.

    Uses ``get_trajectory_execution_manager().stop_execution(auto_clear=True)`` (moveit_py
    trajectory_execution_manager.cpp; it releases the GIL and joins the execution thread). The ``execute``
    call in progress then returns a PREEMPTED status. On Humble the running ``execute`` holds the GIL, so a
    stop from another Python thread only runs once that execute has returned.
    """
    getter = getattr(moveit, "get_trajectory_execution_manager", None)
    if not callable(getter):
        return False, "this MoveItPy has no trajectory execution manager"
    try:
        getter().stop_execution(auto_clear=True)
    except (RuntimeError, TypeError, AttributeError) as exc:
        return False, f"stop failed: {exc}"
    return True, "stopped"
