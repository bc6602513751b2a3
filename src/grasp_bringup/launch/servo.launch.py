"""Closed-loop grasping on a ROS 2 arm: ``ros2 launch grasp_bringup servo.launch.py robot:=ur5 [sim:=mujoco]``.

The graph: ``sim_robot`` (grasp_sim: the MuJoCo world behind the interfaces of the robot's arm, gripper and wrist
depth camera, named as its real ROS stack names them (``robot:=ur5|abb|jaco|gen3``, docs/robots.md);
``sim:=mujoco``), ``grasp_perception`` (frames -> encoded frames, candidate markers),
``grasp_servo`` (the Grasp action: encoded frames -> goals, then the lift test and the automatic label),
``grasp_motion`` (goals -> IK -> the arm's FollowJointTrajectory controller; the gripper; gripper states),
``grasp_collector`` (episodes -> rosbag2 MCAP; ``record:=true``) and, with ``episodes:=N`` > 0,
``episode_runner`` (N Grasp goals, then ``out/summary.json`` and the success rate; the launch ends with it).

``sim:=gazebo`` runs the UR5 + Robotiq 2F-85 + wrist depth camera in Gazebo (ur_simulation_gz's
ur_sim_control.launch.py with config/gazebo/, the camera bridged by ros_gz_bridge) behind the same topics and
actions; Gazebo has no reset_episode / check_grasp, so the runner runs with ``sim: false`` and a person sets the
scene up between episodes (docs/gazebo.md). ``sim:=none`` drives a real arm: start its driver (ur_robot_driver,
abb_ros2, ros2_kortex), the gripper driver and the depth camera first (docs/robots.md). Parameters:
``params_file`` (default config/servo.yaml), then config/robots/<robot>.yaml, then the launch arguments.
"""

from pathlib import Path

from launch import LaunchDescription
from launch.actions import (
    DeclareLaunchArgument,
    EmitEvent,
    IncludeLaunchDescription,
    OpaqueFunction,
    RegisterEventHandler,
)
from launch.event_handlers import OnProcessExit
from launch.events import Shutdown
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

PACKAGE = "grasp_bringup"
ROBOTS = ("ur5", "abb", "jaco", "gen3")
SIMS = ("mujoco", "gazebo", "none")
GRIPPER_ACTION_TYPES = ("gripper_command", "parallel_gripper_command")
TRUE_VALUES = ("true", "1", "yes")
# Servo settings a launch argument may override (empty = the value in params_file); the type each parses to.
SERVO_SETTINGS = {
    "cem_samples": int, "cem_elites": int, "cem_iterations": int, "step_budget": int, "grasp_attempts": int,
    "threshold_mm": float, "threshold_deg": float, "descent_steps": int, "track_peaks": int,
}


def _text(context, name: str) -> str:
    return LaunchConfiguration(name).perform(context).strip()


def _flag(context, name: str) -> bool:
    return _text(context, name).lower() in TRUE_VALUES


def _servo_settings(context) -> dict:
    """The servo settings given as launch arguments, typed (ROS 2 parameters are typed: 5 is not 5.0)."""
    settings = {}
    for name, kind in SERVO_SETTINGS.items():
        text = _text(context, name)
        if not text:
            continue
        try:
            settings[name] = kind(text)
        except ValueError:
            raise RuntimeError(f"{name}:={text} is not {'an integer' if kind is int else 'a number'}") from None
    return settings


def _robot_params(context, robot: str) -> str:
    share = Path(FindPackageShare(PACKAGE).perform(context))
    path = share / "config" / "robots" / f"{robot}.yaml"
    if not path.is_file():
        raise RuntimeError(f"no robot parameter file {path}")
    return str(path)


def _node(package: str, executable: str, parameters: list, **kwargs) -> Node:
    return Node(package=package, executable=executable, output="screen", emulate_tty=True, parameters=parameters,
                **kwargs)


def _gazebo(context, robot: str) -> list:
    """ur_simulation_gz's UR5 with our description and controllers, the gripper controller, the camera bridge."""
    if robot != "ur5":
        raise RuntimeError(f"sim:=gazebo models the UR5 + Robotiq 2F-85 only, not robot:={robot}")
    gazebo = Path(FindPackageShare(PACKAGE).perform(context)) / "config" / "gazebo"
    ur_sim = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(
            PathJoinSubstitution([FindPackageShare("ur_simulation_gz"), "launch", "ur_sim_control.launch.py"])
        ),
        launch_arguments={
            "ur_type": "ur5",
            "description_file": str(gazebo / "ur5_2f85_wrist_camera.urdf.xacro"),
            "controllers_file": str(gazebo / "controllers.yaml"),
            "initial_joint_controller": "scaled_joint_trajectory_controller",
            "launch_rviz": "false",
            "gazebo_gui": _text(context, "gazebo_gui"),
            "world_file": _text(context, "gazebo_world"),
        }.items(),
    )
    # ur_sim_control spawns joint_state_broadcaster and the arm's controller; the gripper's is ours.
    gripper = Node(package="controller_manager", executable="spawner", output="screen",
                   arguments=["robotiq_gripper_controller", "-c", "/controller_manager"])
    bridge = Node(package="ros_gz_bridge", executable="parameter_bridge", name="wrist_camera_bridge",
                  output="screen", parameters=[{"config_file": str(gazebo / "bridge.yaml"), "use_sim_time": True}])
    return [ur_sim, gripper, bridge]


def _runner_exit(event, context):
    """End the launch with the runner: cleanly when it succeeded, as a failure (exit 1) when it did not."""
    del context
    if event.returncode != 0:
        raise RuntimeError(f"episode_runner exited with {event.returncode}: the episodes did not run (see its log)")
    return [EmitEvent(event=Shutdown(reason="episodes done"))]


def launch_setup(context, *args, **kwargs):
    """The nodes, with parameter files and overrides resolved from the launch arguments."""
    del args, kwargs
    robot = _text(context, "robot")
    sim = _text(context, "sim")
    if sim not in SIMS:
        raise RuntimeError(f"sim:={sim} is not one of {', '.join(SIMS)}")
    episodes = int(_text(context, "episodes") or 0)
    if episodes < 0:
        raise RuntimeError(f"episodes:={episodes} must be >= 0")
    out = _text(context, "out")
    model = _text(context, "model")
    params_file = _text(context, "params_file")
    robot_file = _robot_params(context, robot)
    use_sim_time = sim != "none" or _flag(context, "use_sim_time")
    common = {"use_sim_time": use_sim_time}
    model_override = {"model_path": model} if model else {}
    object_set = _text(context, "object_set")
    gripper_action_type = _text(context, "gripper_action_type")

    nodes = []
    if sim == "mujoco":
        nodes.append(_node("grasp_sim", "sim_robot_node", [params_file, {
            "robot": robot, "object_set": object_set, "camera_noise": _text(context, "camera_noise"),
            "disturbance": _text(context, "disturbance"),
            "real_time_factor": float(_text(context, "real_time_factor")),
            "gripper_action_type": gripper_action_type,
        }]))
    elif sim == "gazebo":
        nodes.extend(_gazebo(context, robot))
    # Scoring models are split: the perception node encodes each frame, the servo scores candidates with the head.
    # A regression model (threshold servo) runs whole in the servo node, on the camera's frames.
    frame_source = "camera" if model and _is_regression_model(model, _text(context, "controller")) else "perception"
    if frame_source == "perception":
        nodes.append(_node("grasp_perception", "perception_node", [params_file, {**common, **model_override}]))
    nodes.append(_node("grasp_servo", "servo_node", [params_file, robot_file, {
        **common, **model_override, "robot": robot, "frame_source": frame_source, "object_set": object_set,
        "controller": _text(context, "controller"), "finger_clearance": _text(context, "finger_clearance"),
        **_servo_settings(context),
    }]))
    motion = {**common, "robot": robot, "ik_backend": _text(context, "ik"), "gripper_action_type": gripper_action_type}
    moveit_params_file = _text(context, "moveit_params_file")
    motion_files = [moveit_params_file] if motion["ik_backend"] == "moveit" and moveit_params_file else []
    # No `name=` here: a node-name remap would also rename the node MoveItPy creates in this process.
    nodes.append(_node("grasp_servo", "motion_node", [*motion_files, params_file, robot_file, motion]))
    if _flag(context, "record"):
        collector = dict(common)
        bag_path = _text(context, "bag_path") or (str(Path(out).expanduser() / "bag") if out else "")
        if bag_path:
            collector["bag_path"] = bag_path
        nodes.append(_node("grasp_datacollect", "collector_node", [params_file, collector]))
    if episodes > 0:
        runner = _node("grasp_bringup", "episode_runner", [{
            # Only the MuJoCo sim robot serves reset_episode / check_grasp; elsewhere a person resets the scene.
            **common, "episodes": episodes, "out": out or "grasp_runs/graph", "sim": sim == "mujoco",
            "robot": robot, "model": model or "shipped", "object_set": object_set,
            "seed_base": int(_text(context, "seed_base")), "frame_source": frame_source,
        }])
        nodes.append(runner)
        nodes.append(RegisterEventHandler(OnProcessExit(target_action=runner, on_exit=_runner_exit)))
    return nodes


def _is_regression_model(model: str, controller: str) -> bool:
    """Whether the servo runs a regression model: controller:=threshold, or auto and the model file's contract
    says ``"kind": "regression"``.

    The launch process may have no ONNX Runtime (the ros2 CLI's own Python), so the contract JSON, which the
    file's metadata holds verbatim, is looked for in the raw bytes; an unreadable file is left to the nodes to
    report.
    """
    if controller != "auto":
        return controller == "threshold"
    try:
        return b'"kind": "regression"' in Path(model).expanduser().read_bytes()
    except OSError:
        return False


def generate_launch_description():
    config = PathJoinSubstitution([FindPackageShare(PACKAGE), "config"])
    arguments = [
        ("robot", "ur5", "the arm: ur5 (UR5 + 2F-85), abb (IRB 120 + 2F-85), jaco (Jaco 2 + KG-2), gen3 (Kinova "
         "Gen3 6-DoF + 2F-85): joint names, frames, controllers, gripper, workspace", list(ROBOTS)),
        ("sim", "mujoco", "mujoco: the simulated robot (MuJoCo) behind the real interfaces; gazebo: the UR5 in "
         "Gazebo (ur_simulation_gz), no scene reset; none: a real arm's driver, gripper and camera, started "
         "separately", list(SIMS)),
        ("episodes", "0", "run this many grasp episodes, write out/summary.json, print the success rate and "
         "exit; 0 = keep serving (send Grasp goals yourself)", None),
        ("out", "", "folder of summary.json and of the episode bag (out/bag); empty = grasp_runs/graph", None),
        ("record", "true", "start grasp_collector and record the episodes to a bag", None),
        ("bag_path", "", "new bag folder for record:=true; empty = out/bag, or grasp_bags/episodes_<time>", None),
        ("model", "", "ONNX model of any family (success, Q-function, distance, pregrasp motion, GG-CNN); empty = "
         "the success model shipped with grasp_bringup", None),
        ("controller", "auto", "the servo: cem (scoring models) or threshold (regression models); auto = the one "
         "the model's contract names; a mismatched pair is refused", ["auto", "cem", "threshold"]),
        ("cem_samples", "", "CEM candidates per iteration (empty = params_file's, 64); the node checks ranges", None),
        ("cem_elites", "", "CEM elites refitted per iteration (empty = params_file's, 6)", None),
        ("cem_iterations", "", "CEM iterations per servo step (empty = params_file's, 3)", None),
        ("step_budget", "", "servo steps before an episode gives up (empty = params_file's, 20)", None),
        ("grasp_attempts", "", "grasp attempts per Grasp goal within step_budget: after a label of not held the "
         "gripper opens and the servo goes on as the next episode (empty = params_file's, 1; 3 = regrasp)", None),
        ("threshold_mm", "", "threshold servo: grasp once the predicted translation is under this, mm (empty = "
         "params_file's, 0.5)", None),
        ("threshold_deg", "", "threshold servo: and the predicted rotation under this, deg (empty = params_file's, "
         "0.5)", None),
        ("descent_steps", "", "threshold servo: 1 = seed 003's blind taught descent, more = guarded, following "
         "the grasp map (empty = params_file's, 1)", None),
        ("track_peaks", "", "threshold servo, grasp maps: 1 = the best grasp of every frame, 3 = follow one "
         "(empty = params_file's, 1)", None),
        ("finger_clearance", "auto", "CEM servo: motions that would set a finger down on a surface the depth "
         "frame shows, or close a pad on a face too steep to hold, score worst; auto = on for the success, "
         "distance and Q-function models; off = seed 004's / 001's servo as published",
         ["auto", "on", "off"]),
        ("ik", "builtin", "IK backend of grasp_motion: builtin (mink, no MoveIt) or moveit (moveit_py)",
         ["builtin", "moveit"]),
        ("gripper_action_type", "gripper_command", "the gripper's action type, for grasp_motion and the sim robot: "
         "gripper_command (control_msgs/GripperCommand) or parallel_gripper_command (control_msgs/"
         "ParallelGripperCommand: parallel_gripper_action_controller, e.g. ros2_robotiq_gripper main, ros2_kortex)",
         list(GRIPPER_ACTION_TYPES)),
        ("object_set", "heldout", "sim: objects of the scenes (train, heldout, shapes_test, everyday, urdf_test, "
         "or a mesh folder)", None),
        ("camera_noise", "none", "sim: depth sensor noise (none, d435, d405, primesense)", None),
        ("disturbance", "none", "sim: push the object (late), move it (early), or none", None),
        ("real_time_factor", "1.0", "sim: simulated seconds per wall second; 0 = as fast as it can", None),
        ("seed_base", "9000000", "episode i uses seed seed_base + i (grasp evaluate's seeds)", None),
        ("gazebo_gui", "true", "sim:=gazebo: start Gazebo's GUI (false: server only)", ["true", "false"]),
        ("gazebo_world", PathJoinSubstitution([config, "gazebo", "grasp_world.sdf"]),
         "sim:=gazebo: the world (needs the Sensors system for the depth camera)", None),
        ("use_sim_time", "false", "sim:=none only: use /clock (e.g. Gazebo) instead of the wall clock", None),
        ("params_file", PathJoinSubstitution([config, "servo.yaml"]), "parameter file of the grasp nodes", None),
        ("moveit_params_file", PathJoinSubstitution([config, "moveit_py.yaml"]),
         "moveit_py parameters for ik:=moveit (empty = none)", None),
    ]
    declared = [
        DeclareLaunchArgument(name, default_value=default, description=description,
                              **({"choices": choices} if choices else {}))
        for name, default, description, choices in arguments
    ]
    return LaunchDescription([*declared, OpaqueFunction(function=launch_setup)])
