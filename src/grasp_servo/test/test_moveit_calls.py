"""moveit_calls against fakes with the exact moveit_py signatures of Jazzy and of Humble (no ROS, no MoveIt).

The fakes resolve arguments like pybind11 does: by the bound names and types, raising TypeError "incompatible
function arguments" before doing anything when a call does not match (moveit/moveit2, moveit_py
src/moveit/moveit_ros/moveit_cpp/moveit_cpp.cpp, branches jazzy and humble).
"""

from __future__ import annotations

import inspect
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest
from grasp_servo.ros.moveit_calls import (
    execute_status,
    execute_trajectory,
    is_signature_mismatch,
    plan_and_execute,
    plan_parameters,
    status_text,
    stop_execution,
)


class RobotTrajectory:
    """Stands for moveit.core.robot_trajectory.RobotTrajectory (pybind checks the C++ type)."""


class ExecutionStatus:
    """moveit.core.controller_manager.ExecutionStatus: ``status`` the name, truthy only on SUCCEEDED."""

    def __init__(self, status: str) -> None:
        self.status = status

    def __bool__(self) -> bool:
        return self.status == "SUCCEEDED"


def pybind_call(signature: inspect.Signature, types: dict[str, type], args: tuple, kwargs: dict) -> dict[str, Any]:
    """Bind like pybind11: by name and type, else TypeError before anything runs."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:
        bound = None
    if bound is not None:
        bound.apply_defaults()
        typed = all(isinstance(bound.arguments[name], kind) for name, kind in types.items())
        if typed and all(isinstance(c, str) for c in bound.arguments.get("controllers", [])):
            return dict(bound.arguments)
    raise TypeError(
        f"execute(): incompatible function arguments. The following argument types are supported:\n"
        f"    1. (self: moveit.planning.MoveItPy, {signature}) -> ExecutionStatus\n\nInvoked with: {args}, {kwargs}"
    )


class JazzyMoveItPy:
    """``.def("execute", ..., py::arg("robot_trajectory"), py::arg("controllers"), gil_scoped_release)``."""

    SIGNATURE = inspect.Signature([
        inspect.Parameter("robot_trajectory", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("controllers", inspect.Parameter.POSITIONAL_OR_KEYWORD),
    ])

    def __init__(self, status: str = "SUCCEEDED") -> None:
        self.calls: list[dict[str, Any]] = []
        self.status = status
        self.manager = ExecutionManager()

    def execute(self, *args: Any, **kwargs: Any) -> ExecutionStatus:
        bound = pybind_call(self.SIGNATURE, {"robot_trajectory": RobotTrajectory, "controllers": list}, args, kwargs)
        self.calls.append(bound)
        return ExecutionStatus(self.manager.run(self.status))

    def get_trajectory_execution_manager(self) -> ExecutionManager:
        return self.manager


class HumbleMoveItPy(JazzyMoveItPy):
    """``.def("execute", &MoveItCpp::execute, py::arg("group_name"), py::arg("robot_trajectory"),
    py::arg("blocking") = true)`` (the Humble backport)."""

    SIGNATURE = inspect.Signature([
        inspect.Parameter("group_name", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("robot_trajectory", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("blocking", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=True),
    ])

    def execute(self, *args: Any, **kwargs: Any) -> ExecutionStatus:
        types = {"group_name": str, "robot_trajectory": RobotTrajectory, "blocking": bool}
        bound = pybind_call(self.SIGNATURE, types, args, kwargs)
        self.calls.append(bound)
        return ExecutionStatus(self.manager.run(self.status))


class ExecutionManager:
    """The trajectory execution manager: ``run`` blocks while ``hold`` is set, ``stop_execution`` preempts."""

    def __init__(self) -> None:
        self.hold = False
        self.running = threading.Event()
        self.stopped = threading.Event()
        self.stops: list[dict[str, Any]] = []

    def run(self, status: str) -> str:
        self.running.set()
        if self.hold and self.stopped.wait(timeout=5.0):
            return "PREEMPTED"
        return status

    def stop_execution(self, auto_clear: bool = True) -> None:
        self.stops.append({"auto_clear": auto_clear})
        self.stopped.set()


class Arm:
    def __init__(self, plan: Any = "ok") -> None:
        self.calls: list[tuple[str, Any]] = []
        self._plan = SimpleNamespace(trajectory=RobotTrajectory()) if plan == "ok" else plan

    def set_start_state_to_current_state(self) -> None:
        self.calls.append(("start", None))

    def set_goal_state(self, *, pose_stamped_msg: Any, pose_link: str) -> None:
        self.calls.append(("goal", (pose_stamped_msg, pose_link)))

    def plan(self, single_plan_parameters: Any = None) -> Any:
        self.calls.append(("plan", single_plan_parameters))
        return self._plan


def test_the_fakes_refuse_the_other_release_form() -> None:
    trajectory = RobotTrajectory()
    with pytest.raises(TypeError, match="incompatible function arguments"):
        JazzyMoveItPy().execute("ur_manipulator", trajectory, blocking=True)
    with pytest.raises(TypeError, match="incompatible function arguments"):
        JazzyMoveItPy().execute(trajectory)  # Jazzy's controllers has no default
    with pytest.raises(TypeError, match="incompatible function arguments"):
        HumbleMoveItPy().execute(trajectory, controllers=[])


def test_jazzy_is_called_once_with_an_empty_controller_list() -> None:
    moveit, trajectory = JazzyMoveItPy(), RobotTrajectory()
    assert execute_trajectory(moveit, trajectory, "ur_manipulator") is True
    assert moveit.calls == [{"robot_trajectory": trajectory, "controllers": []}]


def test_humble_gets_its_form_after_the_jazzy_form_is_refused() -> None:
    moveit, trajectory = HumbleMoveItPy(), RobotTrajectory()
    assert execute_trajectory(moveit, trajectory, "ur_manipulator") is True
    assert moveit.calls == [{"group_name": "ur_manipulator", "robot_trajectory": trajectory, "blocking": True}]


@pytest.mark.parametrize("release", [JazzyMoveItPy, HumbleMoveItPy])
def test_plan_and_execute_on_either_release(release: type) -> None:
    moveit, arm = release(), Arm()
    assert plan_and_execute(moveit, arm, "goal", "grasp_pinch", "ur_manipulator") == (True, "executed")
    assert arm.calls == [("start", None), ("goal", ("goal", "grasp_pinch")), ("plan", None)]
    assert len(moveit.calls) == 1


def test_failed_execution_names_the_status() -> None:
    moveit = JazzyMoveItPy(status="ABORTED")
    assert plan_and_execute(moveit, Arm(), "goal", "tool0", "g") == (False, "execution reported failure: ABORTED")
    assert status_text(ExecutionStatus("TIMED_OUT")) == "TIMED_OUT"


def test_a_type_error_from_inside_is_not_retried() -> None:
    class Broken(JazzyMoveItPy):
        def execute(self, *args: Any, **kwargs: Any) -> ExecutionStatus:
            self.calls.append({})
            raise TypeError("Unable to convert function return value to a Python type!")

    moveit = Broken()
    with pytest.raises(TypeError):
        execute_status(moveit, RobotTrajectory(), "g")
    assert len(moveit.calls) == 1  # the arm may have moved: never executed twice
    ok, what = plan_and_execute(moveit, Arm(), "goal", "tool0", "g")
    assert not ok and what.startswith("execution failed") and len(moveit.calls) == 2


def test_signature_mismatch_messages() -> None:
    assert is_signature_mismatch(TypeError("execute(): incompatible function arguments. The following ..."))
    assert is_signature_mismatch(TypeError("execute() got an unexpected keyword argument 'controllers'"))
    assert not is_signature_mismatch(TypeError("Unable to convert function return value to a Python type!"))


def test_planning_failures_do_not_execute() -> None:
    moveit = JazzyMoveItPy()

    class Response:  # MotionPlanResponse: falsy unless error_code.val == SUCCESS (1)
        error_code = SimpleNamespace(val=-31)  # NO_IK_SOLUTION

        def __bool__(self) -> bool:
            return False

    assert plan_and_execute(moveit, Arm(plan=Response()), "g", "tool0", "x") == (
        False, "planning failed: MoveItErrorCodes -31")
    assert plan_and_execute(moveit, Arm(plan=None), "g", "tool0", "x") == (False, "planning failed")

    class Throws(Arm):
        def set_goal_state(self, *, pose_stamped_msg: Any, pose_link: str) -> None:
            raise ValueError("Must specify both message and corresponding link")

    assert plan_and_execute(moveit, Throws(), "g", "", "x")[1].startswith("planning failed: Must specify")
    assert moveit.calls == []


def test_named_plan_parameters_are_passed_to_plan() -> None:
    moveit, arm = JazzyMoveItPy(), Arm()
    made: list[tuple[Any, str]] = []
    params = plan_parameters(moveit, "ompl_rrtc", factory=lambda m, ns: made.append((m, ns)) or "ompl params")
    assert made == [(moveit, "ompl_rrtc")]
    assert plan_and_execute(moveit, arm, "goal", "tool0", "g", parameters=params)[0]
    assert arm.calls[-1] == ("plan", "ompl params")


def test_humble_plan_takes_its_parameters_keyword() -> None:
    class HumbleArm(Arm):
        def plan(self, parameters: Any = None) -> Any:  # Humble: py::arg("parameters") = nullptr
            self.calls.append(("plan", parameters))
            return self._plan

    moveit, arm = HumbleMoveItPy(), HumbleArm()
    assert plan_and_execute(moveit, arm, "goal", "tool0", "g", parameters="lin")[0]
    assert arm.calls[-1] == ("plan", "lin")


def test_stop_execution_preempts_a_running_execute() -> None:
    moveit = JazzyMoveItPy()
    moveit.manager.hold = True
    result: list[tuple[bool, str]] = []
    worker = threading.Thread(target=lambda: result.append(plan_and_execute(moveit, Arm(), "g", "tool0", "x")))
    worker.start()
    assert moveit.manager.running.wait(timeout=5.0)
    time.sleep(0.01)
    assert stop_execution(moveit) == (True, "stopped")
    worker.join(timeout=5.0)
    assert result == [(False, "execution reported failure: PREEMPTED")]
    assert moveit.manager.stops == [{"auto_clear": True}]


def test_stop_without_an_execution_manager_says_so() -> None:
    ok, what = stop_execution(SimpleNamespace())
    assert not ok and "no trajectory execution manager" in what
