"""The arms of the simulated worlds: each robot profile's arm description and gripper, by profile name."""

from __future__ import annotations

from dataclasses import dataclass

from grasp_sim.arms.description import ArmDescription
from grasp_sim.arms.gen3 import GEN3
from grasp_sim.arms.gripper import KINOVA_KG2, ROBOTIQ_2F85, GripperGeometry
from grasp_sim.arms.irb120 import IRB120
from grasp_sim.arms.jaco2 import JACO2
from grasp_sim.arms.ur5 import UR5


@dataclass(frozen=True)
class RobotModel:
    """What the simulated worlds build for one robot profile: the arm and its gripper."""

    arm: ArmDescription
    gripper: GripperGeometry


ROBOT_MODELS: dict[str, RobotModel] = {
    "ur5": RobotModel(UR5, ROBOTIQ_2F85),
    "abb": RobotModel(IRB120, ROBOTIQ_2F85),
    "jaco": RobotModel(JACO2, KINOVA_KG2),
    "gen3": RobotModel(GEN3, ROBOTIQ_2F85),
}


def robot_model(name: str) -> RobotModel:
    """The arm and gripper of the robot profile ``name``; a clear error lists the simulated ones."""
    try:
        return ROBOT_MODELS[name]
    except KeyError:
        raise ValueError(
            f"no simulated arm for robot '{name}': the worlds model {', '.join(sorted(ROBOT_MODELS))}"
        ) from None
