"""Build the complete moveit_py parameter file of a robot (MoveIt 2 Jazzy), for ``ik:=moveit``.

Run it where MoveIt is installed (moveit_configs_utils and the robot's packages below), then launch with it::

    python3 -m grasp_bringup.moveit_config --robot ur5 --out ~/moveit_ur5.yaml     # --ur-type ur5e etc.
    python3 -m grasp_bringup.moveit_config --robot gen3 --out ~/moveit_gen3.yaml
    python3 -m grasp_bringup.moveit_config --robot abb --out ~/moveit_abb.yaml     # or --robot jaco
    ros2 launch grasp_bringup servo.launch.py robot:=ur5 ik:=moveit moveit_params_file:=$HOME/moveit_ur5.yaml

Each robot's ``MoveItConfigsBuilder`` is made the way its vendor's own MoveIt launch makes it (docs/moveit.md and
docs/robots.md say which source each step was checked against):

- ``ur5``: ``MoveItConfigsBuilder("ur", package_name="ur_moveit_config")`` with the semantic description exactly
  as ur_moveit_config's ur_moveit.launch.py loads it: ``srdf/ur.srdf.xacro`` with mappings {"name": ur_type}
  (there is no config/ur.srdf). Jazzy's ur_moveit_config has no URDF of its own (move_group takes the
  description from the driver's /robot_description topic); nothing publishes that topic in the simulated
  cell, so the URDF is made here from ur_description's urdf/ur.urdf.xacro (ur_type, name).
- ``gen3``: as ros2_kortex's kinova_gen3_6dof_robotiq_2f_85_moveit_config robot.launch.py (jazzy):
  ``MoveItConfigsBuilder("gen3", package_name="kinova_gen3_6dof_robotiq_2f_85_moveit_config")
  .robot_description(mappings=...)`` (its launch arguments, as strings) ``.trajectory_execution(file_path=
  "config/moveit_controllers.yaml")``; the SRDF, kinematics, joint limits and Pilz limits are the package's.
- ``abb`` and ``jaco`` (no vendor MoveIt config on ROS 2): ``MoveItConfigsBuilder(<robot>, package_name=
  "grasp_bringup")`` with every file given explicitly from the installed ``config/moveit/<robot>/`` that
  ``grasp_bringup.robot_configs`` generated from our descriptions; built as abb_ros2's abb_moveit.launch.py
  builds the IRB 1200's (``trajectory_execution(..., moveit_manage_controllers=False)``). ``--from-generated``
  does the same for gen3 and ur5.

Then, for every robot:

1. A fixed ``grasp_pinch`` link below the tool frame is added to the URDF (the simulated gripper's pinch point:
   ``grasp_sim.arms.robot_model(robot).gripper.pinch_offset``; 0.103 m for the 2F-85), so the motion node can plan
   for ``pose_link: grasp_pinch``. The generated URDFs have it already.
2. Only the ompl and pilz_industrial_motion_planner pipelines are loaded, and only the arm controller the cell
   has (the profile's ``trajectory_action``, e.g. scaled_joint_trajectory_controller on the UR5).
3. config/moveit_py.yaml (a ROS parameter file: ``/**: ros__parameters:``) is unwrapped and merged over the
   result key by key. (``MoveItConfigsBuilder.moveit_cpp(file_path=...)`` cannot take it: it loads the file
   verbatim and ``to_dict()`` merges it at the top level, so it wants a flat map.)

The robot description is not republished (``planning_scene_monitor``'s publish_robot_description stays off, unlike
the vendors' move_group launches): the driver's robot_state_publisher owns /robot_description, and MoveItPy runs
beside the driver, not with move_group.

The output is a ROS parameter file for every node of the motion process (``/**``), written as JSON, which is
YAML too (rcl's parameter parser reads it), so this module needs no YAML writer. Import-safe without ROS and
MoveIt: those are imported by ``build_params`` only.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from grasp_servo.robot_profiles import get_profile

from grasp_bringup.robot_configs import VENDOR_MOVEIT_PACKAGES, config_paths, split_action

PACKAGE = "grasp_bringup"
UR_TYPES = ("ur3", "ur5", "ur10", "ur3e", "ur5e", "ur7e", "ur10e", "ur12e", "ur16e", "ur8long", "ur15", "ur18",
            "ur20", "ur30")  # ur_moveit_config (jazzy) ur_moveit.launch.py's ur_type choices
PIPELINES = ("ompl", "pilz_industrial_motion_planner")
#: tool0 -> grasp_pinch of the simulated UR5 (grasp_sim arm_model: palm 0.06 + finger 0.055 - 0.012 m).
SIM_PINCH_OFFSET = 0.103
ROBOTS = ("ur5", "gen3", "abb", "jaco")
GEN3_MOVEIT_PACKAGE = VENDOR_MOVEIT_PACKAGES["gen3"]


def cell_overrides(robot: str) -> dict[str, Any]:
    """The cell's arm controller only: the one the profile's trajectory_action names (the simulated robot serves
    it too; the gripper is driven by the motion node's own GripperCommand client, not through MoveIt)."""
    controller, _ = split_action(get_profile(robot).trajectory_action)
    return {"moveit_simple_controller_manager": {"controller_names": [controller]}}


#: The UR5 cell's override (CONTRACT: the UR driver's scaled_joint_trajectory_controller).
CELL_OVERRIDES: dict[str, Any] = cell_overrides("ur5")


def profile_pinch_offset(robot: str) -> float:
    """Tool frame -> grasp_pinch (m along tool z) of the robot's simulated gripper."""
    from grasp_sim.arms import robot_model

    return float(robot_model(robot).gripper.pinch_offset)


def gen3_mappings(robot_ip: str = "192.168.1.10", use_fake_hardware: bool = False) -> dict[str, str]:
    """kinova_gen3_6dof_robotiq_2f_85_moveit_config robot.launch.py's xacro arguments, as plain strings (its
    defaults; robot_ip only reaches the URDF's ros2_control block, which MoveIt does not read)."""
    return {
        "robot_ip": robot_ip,
        "use_fake_hardware": "true" if use_fake_hardware else "false",
        "gripper": "robotiq_2f_85",
        "gripper_joint_name": "robotiq_85_left_knuckle_joint",
        "dof": "6",
        "gripper_max_velocity": "100.0",
        "gripper_max_force": "100.0",
        "use_internal_bus_gripper_comm": "true",
    }


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``override`` merged in: nested mappings merge key by key, anything else is replaced."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def unwrap_ros_parameters(document: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of a ROS parameter file (``<node>: ros__parameters: {...}``), or a flat map as it is."""
    if len(document) == 1:
        (section,) = document.values()
        if isinstance(section, Mapping) and set(section) == {"ros__parameters"}:
            return dict(section["ros__parameters"])
    if any(isinstance(v, Mapping) and "ros__parameters" in v for v in document.values()):
        raise ValueError("give one node section (e.g. /**) with ros__parameters, or a flat map of parameters")
    return dict(document)


def with_pinch_link(
    urdf: str, offset: float = SIM_PINCH_OFFSET, parent: str = "tool0", link: str = "grasp_pinch"
) -> str:
    """``urdf`` with a massless ``link`` fixed ``offset`` metres along ``parent``'s z (axes as the parent's).

    Unchanged if the link is already there. MoveIt plans for such a link through its parent (Pilz:
    RobotState::getRigidlyConnectedParentLinkModel; the IK solver's tip stays tool0).
    """
    if f'<link name="{link}"' in urdf:
        return urdf
    end = urdf.rfind("</robot>")
    if end < 0:
        raise ValueError("robot_description has no </robot>")
    snippet = (
        f'  <link name="{link}"/>\n'
        f'  <joint name="{parent}-{link}" type="fixed">\n'
        f'    <parent link="{parent}"/>\n    <child link="{link}"/>\n'
        f'    <origin xyz="0 0 {offset!r}" rpy="0 0 0"/>\n'
        "  </joint>\n"
    )
    return urdf[:end] + snippet + urdf[end:]


def moveit_py_problems(params: Mapping[str, Any]) -> list[str]:
    """What MoveIt 2 Jazzy would refuse in a moveit_py parameter map (empty list: nothing found).

    Checks what moveit_cpp reads: planning_pipelines.pipeline_names, each pipeline's planning_plugins (else
    planning_pipeline.cpp throws "Planning plugin name is empty or not defined"), request/response adapters
    as lists, every plan_request_params set (typed: an int where a double is read throws in rclcpp) naming a
    loaded pipeline, and Pilz's cartesian limits (required parameters without defaults).
    """
    problems: list[str] = []
    names = params.get("planning_pipelines", {})
    names = names.get("pipeline_names") if isinstance(names, Mapping) else None
    if not (isinstance(names, list) and names and all(isinstance(n, str) for n in names)):
        return ["planning_pipelines.pipeline_names must be a non-empty list of pipeline names"]
    for name in names:
        pipeline = params.get(name)
        if not isinstance(pipeline, Mapping):
            problems.append(f"pipeline {name}: no parameters under {name}.*")
            continue
        plugins = pipeline.get("planning_plugins")
        if not (isinstance(plugins, list) and plugins and all(isinstance(p, str) and p for p in plugins)):
            problems.append(f"{name}.planning_plugins must be a non-empty list of plugin names")
        for key in ("request_adapters", "response_adapters"):
            if not isinstance(pipeline.get(key, []), list):
                problems.append(f"{name}.{key} must be a list (Jazzy; Humble took one string)")
    for where, request in plan_request_sets(params).items():
        problems.extend(_request_problems(where, request, names))
    if "pilz_industrial_motion_planner" in names:
        planning = params.get("robot_description_planning")
        limits = planning.get("cartesian_limits") if isinstance(planning, Mapping) else None
        limits = limits if isinstance(limits, Mapping) else {}
        for key in ("max_trans_vel", "max_trans_acc", "max_trans_dec", "max_rot_vel"):
            if not isinstance(limits.get(key), float):
                problems.append(f"robot_description_planning.cartesian_limits.{key} must be a float (Pilz)")
    return problems


def plan_request_sets(params: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Every ``plan_request_params`` map: the default one and ``<namespace>.plan_request_params``."""
    sets: dict[str, Mapping[str, Any]] = {}
    if isinstance(params.get("plan_request_params"), Mapping):
        sets["plan_request_params"] = params["plan_request_params"]
    for key, value in params.items():
        if isinstance(value, Mapping) and isinstance(value.get("plan_request_params"), Mapping):
            sets[f"{key}.plan_request_params"] = value["plan_request_params"]
    return sets


def _request_problems(where: str, request: Mapping[str, Any], pipelines: Sequence[str]) -> list[str]:
    problems = []
    if request.get("planning_pipeline") not in pipelines:
        problems.append(f"{where}.planning_pipeline must be one of {', '.join(pipelines)}")
    types = {"planner_id": str, "planning_pipeline": str, "planning_attempts": int, "planning_time": float,
             "max_velocity_scaling_factor": float, "max_acceleration_scaling_factor": float}
    for key, kind in types.items():
        if key in request and type(request[key]) is not kind:
            problems.append(f"{where}.{key} must be a {kind.__name__} (ROS parameters are typed)")
    for key in ("max_velocity_scaling_factor", "max_acceleration_scaling_factor"):
        value = request.get(key)
        if isinstance(value, float) and not 0.0 < value <= 1.0:
            problems.append(f"{where}.{key} must be in (0, 1]")
    if request.get("planning_pipeline") == "pilz_industrial_motion_planner" and request.get("planner_id") not in (
        "PTP", "LIN", "CIRC"
    ):
        problems.append(f"{where}.planner_id must be PTP, LIN or CIRC for Pilz")
    return problems


def params_document(params: Mapping[str, Any], node: str = "/**") -> dict[str, Any]:
    """A ROS parameter file's content: ``{node: {"ros__parameters": params}}``."""
    return {node: {"ros__parameters": dict(params)}}


def dumps_params(document: Mapping[str, Any]) -> str:
    """The parameter file text: a comment line, then the document as JSON (valid YAML for rcl)."""
    header = "# moveit_py parameters made by grasp_bringup.moveit_config (JSON is YAML); do not edit, regenerate\n"
    return header + json.dumps(document, indent=1, sort_keys=True) + "\n"


def default_moveit_py_yaml() -> Path:
    """config/moveit_py.yaml of the installed grasp_bringup, else of this source tree."""
    try:
        from ament_index_python.packages import PackageNotFoundError, get_package_share_directory

        try:
            return Path(get_package_share_directory(PACKAGE)) / "config" / "moveit_py.yaml"
        except PackageNotFoundError:
            pass
    except ImportError:
        pass
    return Path(__file__).resolve().parents[1] / "config" / "moveit_py.yaml"


def _moveit_tools(
    builder: Callable[..., Any] | None,
    load_yaml: Callable[[Path], Any] | None,
    share: Callable[[str], str] | None,
    packages: str,
) -> tuple[Callable[..., Any], Callable[[Path], Any], Callable[[str], str]]:
    """MoveItConfigsBuilder, launch_param_builder's load_yaml and the share lookup (the given ones for tests)."""
    if builder is None or load_yaml is None or share is None:
        try:
            from ament_index_python.packages import get_package_share_directory
            from launch_param_builder import load_yaml as yaml_loader
            from moveit_configs_utils import MoveItConfigsBuilder
        except ImportError as error:
            raise RuntimeError(
                f"MoveIt's launch utilities are not installed ({error}): install ros-jazzy-moveit-configs-utils, "
                f"{packages}, and source ROS 2"
            ) from None
        builder = builder or MoveItConfigsBuilder
        load_yaml = load_yaml or yaml_loader
        share = share or get_package_share_directory
    return builder, load_yaml, share


def _finish(
    params: dict[str, Any],
    robot: str,
    moveit_py_yaml: Path,
    load_yaml: Callable[[Path], Any],
    *,
    pinch_offset: float | None,
    use_sim_time: bool | None,
    source: str,
) -> dict[str, Any]:
    """The pinch link, the cell's controller, config/moveit_py.yaml merged over, use_sim_time; then checked."""
    urdf = params.get("robot_description")
    if not isinstance(urdf, str) or not urdf:
        raise RuntimeError(f"no robot description from {source}")
    if pinch_offset is not None:
        params["robot_description"] = with_pinch_link(urdf, pinch_offset, parent=get_profile(robot).tool_frame)
    params = deep_merge(params, cell_overrides(robot))
    ours = unwrap_ros_parameters(load_yaml(Path(moveit_py_yaml)))
    params = deep_merge(params, ours)
    if use_sim_time is not None:
        params["use_sim_time"] = bool(use_sim_time)
    problems = moveit_py_problems(params)
    if problems:
        raise ValueError("the merged moveit_py parameters are not usable: " + "; ".join(problems))
    return params


def build_ur_params(
    ur_type: str,
    moveit_py_yaml: Path,
    *,
    pinch_offset: float | None = SIM_PINCH_OFFSET,
    use_sim_time: bool | None = None,
    builder: Callable[..., Any] | None = None,
    load_yaml: Callable[[Path], Any] | None = None,
    share: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """The flat moveit_py parameter map for a UR arm (needs MoveIt; the keyword arguments are for tests)."""
    if ur_type not in UR_TYPES:
        raise ValueError(f"ur_type {ur_type} is not one of {', '.join(UR_TYPES)}")
    builder, load_yaml, share = _moveit_tools(builder, load_yaml, share,
                                              "ros-jazzy-ur-moveit-config and ros-jazzy-ur-description")
    urdf_xacro = Path(share("ur_description")) / "urdf" / "ur.urdf.xacro"
    configs = (
        builder(robot_name="ur", package_name="ur_moveit_config")
        # An absolute file_path: the builder joins it to ur_moveit_config's share, which keeps it as it is.
        .robot_description(file_path=str(urdf_xacro), mappings={"ur_type": ur_type, "name": ur_type})
        # Exactly ur_moveit_config's ur_moveit.launch.py (jazzy), with the UR type as a plain string.
        .robot_description_semantic(Path("srdf") / "ur.srdf.xacro", {"name": ur_type})
        .planning_pipelines(pipelines=list(PIPELINES))
        .to_moveit_configs()
    )
    return _finish(configs.to_dict(), "ur5", moveit_py_yaml, load_yaml, pinch_offset=pinch_offset,
                   use_sim_time=use_sim_time, source=f"{urdf_xacro} (is ur_description installed?)")


def build_gen3_params(
    moveit_py_yaml: Path,
    *,
    pinch_offset: float | str | None = "profile",
    use_sim_time: bool | None = None,
    mappings: dict[str, str] | None = None,
    builder: Callable[..., Any] | None = None,
    load_yaml: Callable[[Path], Any] | None = None,
    share: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """The flat moveit_py parameter map for the Kinova Gen3 6-DoF + 2F-85, as ros2_kortex's robot.launch.py
    builds it (needs MoveIt and kinova_gen3_6dof_robotiq_2f_85_moveit_config; keyword arguments for tests).

    ``pinch_offset``: "profile" = the simulated 2F-85's pinch point, None = no grasp_pinch link.
    """
    builder, load_yaml, share = _moveit_tools(
        builder, load_yaml, share, f"ros2_kortex's {GEN3_MOVEIT_PACKAGE} and kortex_description")
    configs = (
        builder("gen3", package_name=GEN3_MOVEIT_PACKAGE)
        # The URDF: the package's .setup_assistant xacro (kortex_description robots/gen3.xacro) with these.
        .robot_description(mappings=mappings or gen3_mappings())
        .trajectory_execution(file_path="config/moveit_controllers.yaml")
        .planning_pipelines(pipelines=list(PIPELINES))
        .to_moveit_configs()
    )
    offset = profile_pinch_offset("gen3") if pinch_offset == "profile" else pinch_offset
    return _finish(configs.to_dict(), "gen3", moveit_py_yaml, load_yaml, pinch_offset=offset,
                   use_sim_time=use_sim_time, source=f"{GEN3_MOVEIT_PACKAGE} (is kortex_description installed?)")


def build_generated_params(
    robot: str,
    moveit_py_yaml: Path,
    *,
    use_sim_time: bool | None = None,
    builder: Callable[..., Any] | None = None,
    load_yaml: Callable[[Path], Any] | None = None,
    share: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """The flat moveit_py parameter map from grasp_bringup's generated config/moveit/<robot>/ (abb, jaco; any
    robot with --from-generated). Paths are relative to grasp_bringup's share, where colcon installs them."""
    builder, load_yaml, share = _moveit_tools(builder, load_yaml, share, "the workspace built with colcon")
    files = config_paths(robot)
    configs = (
        builder(robot, package_name=PACKAGE)
        .robot_description(file_path=files["urdf"])
        .robot_description_semantic(file_path=files["srdf"])
        .robot_description_kinematics(file_path=files["kinematics"])
        .joint_limits(file_path=files["joint_limits"])
        # As abb_ros2's abb_moveit.launch.py: the simple controller manager cannot switch controllers anyway.
        .trajectory_execution(file_path=files["controllers"], moveit_manage_controllers=False)
        .pilz_cartesian_limits(file_path=files["pilz_cartesian_limits"])
        .planning_pipelines(pipelines=list(PIPELINES))
        .to_moveit_configs()
    )
    # The generated URDF has grasp_pinch already (with_pinch_link leaves it as it is).
    return _finish(configs.to_dict(), robot, moveit_py_yaml, load_yaml, pinch_offset=None,
                   use_sim_time=use_sim_time, source=f"grasp_bringup's {files['urdf']} (is the workspace built?)")


def build_params(
    robot: str,
    moveit_py_yaml: Path,
    *,
    ur_type: str = "ur5",
    pinch_offset: float | None = None,
    add_pinch_link: bool = True,
    from_generated: bool = False,
    use_sim_time: bool | None = None,
    **tools: Any,
) -> dict[str, Any]:
    """The flat moveit_py parameter map of ``robot`` (``tools``: builder, load_yaml, share, for tests).

    ``pinch_offset`` None: the simulated gripper's; ``add_pinch_link`` False: the vendor's URDF as it is. The
    generated URDFs (abb, jaco, ``from_generated``) carry the simulated gripper's grasp_pinch: give neither.
    """
    if robot not in ROBOTS:
        raise ValueError(f"robot {robot} is not one of {', '.join(ROBOTS)}")
    if robot in ("abb", "jaco") or from_generated:
        if pinch_offset is not None or not add_pinch_link:
            raise ValueError(f"{robot}: the generated URDF has grasp_pinch {profile_pinch_offset(robot):.3f} m below "
                             f"{get_profile(robot).tool_frame} (the simulated gripper's): change the gripper geometry "
                             "in grasp_sim.arms and regenerate (python -m grasp_bringup.robot_configs)")
        return build_generated_params(robot, moveit_py_yaml, use_sim_time=use_sim_time, **tools)
    offset = (profile_pinch_offset(robot) if pinch_offset is None else pinch_offset) if add_pinch_link else None
    if robot == "gen3":
        return build_gen3_params(moveit_py_yaml, pinch_offset=offset, use_sim_time=use_sim_time, **tools)
    return build_ur_params(ur_type, moveit_py_yaml, pinch_offset=offset, use_sim_time=use_sim_time, **tools)


def main(argv: Sequence[str] | None = None) -> int:
    """``python3 -m grasp_bringup.moveit_config --robot ur5 --out moveit_ur5.yaml``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--robot", default="ur5", choices=ROBOTS,
                        help="the robot profile (ur5: ur_moveit_config; gen3: Kinova's MoveIt package; abb, jaco: "
                             "grasp_bringup's generated config/moveit/<robot>/)")
    parser.add_argument("--ur-type", default=None, choices=UR_TYPES, help="--robot ur5 only: the UR model (ur5)")
    parser.add_argument("--out", required=True, type=Path, help="parameter file to write")
    parser.add_argument("--moveit-py-yaml", type=Path, default=None,
                        help="planning part (default: grasp_bringup's config/moveit_py.yaml)")
    parser.add_argument("--pinch-offset", type=float, default=None,
                        help="ur5, gen3: metres from the tool frame to grasp_pinch along tool z (your gripper's "
                             "pinch point; default: the simulated gripper's, 0.103 for the 2F-85)")
    parser.add_argument("--no-pinch-link", action="store_true",
                        help="ur5, gen3: leave the vendor's URDF as it is (then use pose_link: the tool frame)")
    parser.add_argument("--from-generated", action="store_true",
                        help="gen3, ur5: use grasp_bringup's generated config/moveit/<robot>/ (the simulated arm's "
                             "description) instead of the vendor's MoveIt package")
    parser.add_argument("--format", choices=("params", "flat"), default="params",
                        help="params: a /** parameter file for moveit_params_file; flat: a mapping for "
                             "moveit_config_file (MoveItPy config_dict; then add use_sim_time yourself)")
    parser.add_argument("--use-sim-time", action="store_true", help="set use_sim_time: true in the file")
    args = parser.parse_args(argv)
    if args.ur_type is not None and args.robot != "ur5":
        parser.error("--ur-type is for --robot ur5")
    try:
        params = build_params(
            args.robot,
            args.moveit_py_yaml or default_moveit_py_yaml(),
            ur_type=args.ur_type or "ur5",
            pinch_offset=args.pinch_offset,
            add_pinch_link=not args.no_pinch_link,
            from_generated=args.from_generated,
            use_sim_time=True if args.use_sim_time else None,
        )
    except (RuntimeError, ValueError, OSError) as error:
        print(f"moveit_config: {error}", file=sys.stderr)
        return 1
    document = params_document(params) if args.format == "params" else params
    args.out.write_text(dumps_params(document))
    print(f"wrote {args.out} for {args.robot} ({len(params)} top-level parameters, pipelines "
          f"{', '.join(params['planning_pipelines']['pipeline_names'])}, controller "
          f"{', '.join(params['moveit_simple_controller_manager']['controller_names'])})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
