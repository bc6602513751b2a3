"""The two gripper actions a ROS 2 gripper controller may serve, in one place (plain Python, no ROS import).

``gripper_command``: control_msgs/action/GripperCommand (position_controllers/GripperActionController; the
ros2_robotiq_gripper humble branch, kinova's MoveIt configs). ``parallel_gripper_command``:
control_msgs/action/ParallelGripperCommand (parallel_gripper_action_controller/GripperActionController;
ros2_robotiq_gripper main, ros2_kortex's gen3.launch.py). The motion node fills goals and reads results with
these functions, the simulated robot reads goals and fills results with them, given the message objects.

ParallelGripperCommand as ros2_controllers' parallel_gripper_action_controller (jazzy) handles it: a goal must
hold exactly one ``command.position`` (else it is rejected); ``command.name`` is not read; ``velocity[0]`` and
``effort[0]`` are used only when present (and the controller has the matching interface), otherwise its
``max_velocity`` / ``max_effort`` parameters apply, so an unset effort is left empty rather than sent as 0.
Its result carries ``state.position[0]``, ``stalled`` and ``reached_goal`` (``state.effort`` is not a measured
effort there; a canceled goal's result has an empty state).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GRIPPER_COMMAND = "gripper_command"
PARALLEL_GRIPPER_COMMAND = "parallel_gripper_command"
GRIPPER_ACTION_TYPES = (GRIPPER_COMMAND, PARALLEL_GRIPPER_COMMAND)
#: The control_msgs.action class of each type.
ACTION_NAMES = {GRIPPER_COMMAND: "GripperCommand", PARALLEL_GRIPPER_COMMAND: "ParallelGripperCommand"}


@dataclass(frozen=True)
class GripperCommandGoal:
    """What a gripper goal asks for: a joint position and a max effort (0: the controller's default)."""

    position: float
    max_effort: float


@dataclass(frozen=True)
class GripperResult:
    """What a gripper result reports: the joint position (None when the result carries none), stalled, reached."""

    position: float | None
    stalled: bool
    reached_goal: bool


def _check(kind: str) -> str:
    if kind not in GRIPPER_ACTION_TYPES:
        raise ValueError(f"gripper action type {kind!r} is not one of {', '.join(GRIPPER_ACTION_TYPES)}")
    return kind


def action_class(kind: str) -> Any:
    """The control_msgs action class of ``kind`` (imports control_msgs)."""
    import control_msgs.action

    return getattr(control_msgs.action, ACTION_NAMES[_check(kind)])


def fill_goal(kind: str, goal: Any, joint: str, position: float, max_effort: float) -> Any:
    """Fill an action Goal to move ``joint`` to ``position``; ``max_effort`` <= 0 leaves the controller's own.

    GripperCommand has no joint name and always carries max_effort (0 included, as before); ParallelGripperCommand
    names the joint, leaves velocity empty and sends effort only when > 0.
    """
    if _check(kind) == GRIPPER_COMMAND:
        goal.command.position = float(position)
        goal.command.max_effort = float(max_effort)
    else:
        goal.command.name = [str(joint)]
        goal.command.position = [float(position)]
        goal.command.velocity = []
        goal.command.effort = [float(max_effort)] if max_effort > 0 else []
    return goal


def goal_refusal(kind: str, goal: Any) -> str | None:
    """Why a controller rejects ``goal`` outright, or None (ParallelGripperCommand needs exactly one position)."""
    if _check(kind) == PARALLEL_GRIPPER_COMMAND and len(goal.command.position) != 1:
        return f"expects 1 position value, got {len(goal.command.position)}"
    return None


def read_goal(kind: str, goal: Any) -> GripperCommandGoal:
    """The position and max effort a goal asks for (an empty ParallelGripperCommand effort: 0, the default)."""
    command = goal.command
    if _check(kind) == GRIPPER_COMMAND:
        return GripperCommandGoal(float(command.position), float(command.max_effort))
    reason = goal_refusal(kind, goal)
    if reason is not None:
        raise ValueError(f"ParallelGripperCommand goal {reason}")
    effort = float(command.effort[0]) if len(command.effort) else 0.0
    return GripperCommandGoal(float(command.position[0]), effort)


def fill_state(kind: str, msg: Any, joint: str, position: float, effort: float, stalled: bool,
               reached_goal: bool) -> Any:
    """Fill an action Result or Feedback with the gripper's state.

    GripperCommand: position, effort, stalled, reached_goal. ParallelGripperCommand: ``state`` (a JointState
    of ``joint`` with its position and effort), and stalled / reached_goal where the message has them (the
    Result; the Feedback carries the state only).
    """
    if _check(kind) == GRIPPER_COMMAND:
        msg.position, msg.effort = float(position), float(effort)
    else:
        msg.state.name = [str(joint)]
        msg.state.position = [float(position)]
        msg.state.effort = [float(effort)]
    if kind == GRIPPER_COMMAND or hasattr(msg, "stalled"):
        msg.stalled, msg.reached_goal = bool(stalled), bool(reached_goal)
    return msg


def read_result(kind: str, result: Any, joint: str = "") -> GripperResult:
    """Position, stalled and reached_goal of an action Result.

    ParallelGripperCommand: the position of ``joint`` when the state names it, else the state's first position
    (the controller leaves the name empty), None when the state is empty (a canceled goal).
    """
    if _check(kind) == GRIPPER_COMMAND:
        position: float | None = float(result.position)
    else:
        names, positions = list(result.state.name), list(result.state.position)
        index = names.index(joint) if joint in names else 0
        position = float(positions[index]) if index < len(positions) else None
    return GripperResult(position, bool(result.stalled), bool(result.reached_goal))
