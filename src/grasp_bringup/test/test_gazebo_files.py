"""sim:=gazebo without Gazebo: config/gazebo/ parses, its names are the graph's, and the launch branch passes
ur_simulation_gz only arguments its launch file declares (the lists below were read from the Jazzy sources)."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import launch_stubs as stubs
import numpy as np
import pytest
from grasp_perception.contract import EMBEDDED_CAMERA_BEHIND_PINCH, EMBEDDED_FOV_DEG, EMBEDDED_MAX_RANGE
from grasp_servo.robot_profiles import get_profile
from grasp_servo.ros import topics
from grasp_sim.ros import sim_robot_node
from grasp_sim.sim_robot import CAMERA_FRAME, PINCH_FRAME

UR5 = get_profile("ur5")  # sim:=gazebo runs the UR5
JOINT_NAMES = (*UR5.joint_names, UR5.gripper.joint)
BASE_FRAME, TOOL_FRAME = UR5.base_frame, UR5.tool_frame

BRINGUP = Path(__file__).resolve().parents[1]
GAZEBO = BRINGUP / "config" / "gazebo"
XACRO = "{http://wiki.ros.org/xacro}"

# UniversalRobots/Universal_Robots_ROS2_GZ_Simulation, branch ros2 (the Jazzy branch),
# ur_simulation_gz/launch/ur_sim_control.launch.py as of 2.1.0+ (read at commit d3cd68ed): its declared arguments,
# what it passes to xacro (ur_gz.urdf.xacro declares these), and what it bridges itself (gz_sim_bridge).
UR_SIM_CONTROL_ARGUMENTS = frozenset({
    "ur_type", "safety_limits", "safety_pos_margin", "safety_k_position", "controllers_file", "tf_prefix",
    "activate_joint_controller", "initial_joint_controller", "description_file", "launch_rviz", "rviz_config_file",
    "gazebo_gui", "world_file",
})
UR_SIM_CONTROL_BRIDGED = frozenset({"/clock"})
# ROS-native in that launch: joint_state_broadcaster's /joint_states, robot_state_publisher's /tf and /tf_static.
UR_SIM_CONTROL_PUBLISHED = frozenset({"/joint_states", "/tf", "/tf_static"})
# gz-sensors (gz-sensors8, src/CameraSensor.cc AdvertiseInfo): a depth camera's CameraInfo goes to the image
# topic's parent + /camera_info (DepthCameraSensor::Load never reads <camera_info_topic>).
CAMERA_INFO_LEAF = "camera_info"

# The graph's topics: grasp_servo.ros.topics plus what the MuJoCo sim robot publishes (the contract's list).
SIM_ROBOT_TOPICS = frozenset({
    sim_robot_node.TOPIC_CLOCK, sim_robot_node.TOPIC_JOINT_STATES, sim_robot_node.TOPIC_DEPTH_IMAGE,
    sim_robot_node.TOPIC_CAMERA_INFO, "/tf", "/tf_static",
})
GRAPH_TOPICS = SIM_ROBOT_TOPICS | {v for k, v in vars(topics).items() if k.startswith("TOPIC_")}


def load_yaml(path: Path) -> Any:
    """PyYAML where it imports, else ruamel.yaml (a rosbags dependency of the project venv)."""
    try:
        import yaml
    except ImportError:
        ruamel = pytest.importorskip("ruamel.yaml", reason="neither PyYAML nor ruamel.yaml is installed")
        return ruamel.YAML(typ="safe").load(path.read_text())
    return yaml.safe_load(path.read_text())


def rotation(rpy: list[float]) -> np.ndarray:
    """URDF's fixed-axis roll, pitch, yaw: Rz(yaw) Ry(pitch) Rx(roll)."""
    (cr, cp, cy), (sr, sp, sy) = np.cos(rpy), np.sin(rpy)
    rx = np.array([[1, 0, 0], [0, cr, -sr], [0, sr, cr]])
    ry = np.array([[cp, 0, sp], [0, 1, 0], [-sp, 0, cp]])
    rz = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]])
    return rz @ ry @ rx


@pytest.fixture(scope="module")
def robot() -> ET.Element:
    return ET.parse(GAZEBO / "ur5_2f85_wrist_camera.urdf.xacro").getroot()


def fixed_joints(robot: ET.Element) -> dict[str, tuple[str, np.ndarray, np.ndarray]]:
    """child link -> (parent link, translation, rotation) of the file's fixed joints."""
    joints = {}
    for joint in robot.iter("joint"):
        if joint.get("type") == "fixed":
            origin = joint.find("origin")
            xyz = [float(v) for v in origin.get("xyz").split()]
            rpy = [float(v) for v in origin.get("rpy").split()]
            joints[joint.find("child").get("link")] = (joint.find("parent").get("link"), np.array(xyz), rotation(rpy))
    return joints


def in_tool0(joints: dict[str, tuple[str, np.ndarray, np.ndarray]], link: str) -> tuple[np.ndarray, np.ndarray]:
    """Pose of ``link`` in tool0, composed along the fixed joints."""
    translation, rot = np.zeros(3), np.eye(3)
    while link != TOOL_FRAME:
        parent, t, r = joints[link]
        translation, rot = t + r @ translation, r @ rot
        link = parent
    return translation, rot


def test_bridge_maps_the_camera_onto_the_graph_topics() -> None:
    entries = load_yaml(GAZEBO / "bridge.yaml")
    assert isinstance(entries, list) and entries
    keys = {"ros_topic_name", "gz_topic_name", "ros_type_name", "gz_type_name", "direction"}
    assert all(set(e) == keys and e["direction"] == "GZ_TO_ROS" for e in entries)
    bridged = {e["ros_topic_name"]: (e["ros_type_name"], e["gz_type_name"]) for e in entries}
    assert set(bridged) <= GRAPH_TOPICS, set(bridged) - GRAPH_TOPICS
    assert bridged == {
        topics.TOPIC_DEPTH_IMAGE: ("sensor_msgs/msg/Image", "gz.msgs.Image"),
        topics.TOPIC_CAMERA_INFO: ("sensor_msgs/msg/CameraInfo", "gz.msgs.CameraInfo"),
    }
    assert not set(bridged) & UR_SIM_CONTROL_BRIDGED  # a second /clock publisher would make time jump back
    # With ur_sim_control's own bridge and publishers, Gazebo presents every topic the MuJoCo sim robot does.
    assert set(bridged) | UR_SIM_CONTROL_BRIDGED | UR_SIM_CONTROL_PUBLISHED >= SIM_ROBOT_TOPICS


def test_camera_sensor_publishes_what_the_bridge_takes(robot: ET.Element) -> None:
    (reference,) = [g for g in robot.iter("gazebo") if g.find("sensor") is not None]
    sensor = reference.find("sensor")
    assert sensor.get("type") == "depth_camera" and float(sensor.findtext("update_rate")) == 15
    camera = sensor.find("camera")
    assert camera.findtext("optical_frame_id") == CAMERA_FRAME
    assert float(camera.findtext("horizontal_fov")) == pytest.approx(np.deg2rad(EMBEDDED_FOV_DEG))
    assert float(camera.findtext("clip/far")) == EMBEDDED_MAX_RANGE
    assert camera.findtext("image/format") == "R_FLOAT32"  # bridged as 32FC1 (ros_gz_bridge convert/sensor_msgs)
    image_topic = sensor.findtext("topic")
    info_topic = image_topic.rsplit("/", 1)[0] + "/" + CAMERA_INFO_LEAF
    gz_topics = {e["ros_topic_name"]: e["gz_topic_name"] for e in load_yaml(GAZEBO / "bridge.yaml")}
    assert gz_topics == {topics.TOPIC_DEPTH_IMAGE: image_topic, topics.TOPIC_CAMERA_INFO: info_topic}


def test_frames_match_the_sim_robot(robot: ET.Element) -> None:
    joints = fixed_joints(robot)
    assert joints[PINCH_FRAME][0] == TOOL_FRAME
    pinch, pinch_rot = in_tool0(joints, PINCH_FRAME)
    camera, camera_rot = in_tool0(joints, CAMERA_FRAME)
    # Both on the tool axis with tool0's axes (the optical frame: z forward, x along the closing direction),
    # the camera where the models' camera sits behind the pinch point: no reprojection in perception.
    np.testing.assert_allclose(pinch_rot, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(camera_rot, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(pinch[:2], 0.0, atol=1e-12)
    np.testing.assert_allclose(camera[:2], 0.0, atol=1e-12)
    assert pinch[2] - camera[2] == pytest.approx(EMBEDDED_CAMERA_BEHIND_PINCH)
    # The Gazebo sensor's link looks along its x: the optical z.
    sensor_link = next(g.get("reference") for g in robot.iter("gazebo") if g.find("sensor") is not None)
    assert joints[CAMERA_FRAME][0] == sensor_link
    np.testing.assert_allclose(in_tool0(joints, sensor_link)[1][:, 0], [0, 0, 1], atol=1e-12)


def test_description_builds_on_ur_simulation_gz_and_robotiq(robot: ET.Element) -> None:
    includes = [e.get("filename") for e in robot.iter(f"{XACRO}include")]
    assert includes == ["$(find ur_simulation_gz)/urdf/ur_gz.urdf.xacro",
                        "$(find robotiq_description)/urdf/robotiq_2f_85_macro.urdf.xacro"]
    assert not list(robot.iter(f"{XACRO}arg"))  # ur_sim_control's xacro arguments are ur_gz.urdf.xacro's
    (gripper,) = robot.iter(f"{XACRO}robotiq_gripper")
    assert gripper.get("parent") == TOOL_FRAME and gripper.get("include_ros2_control") == "false"
    (hardware,) = robot.iter("ros2_control")
    assert hardware.findtext("hardware/plugin") == "gz_ros2_control/GazeboSimSystem"
    commanded = [j.get("name") for j in hardware.iter("joint") if j.find("command_interface") is not None]
    assert commanded == [JOINT_NAMES[-1]] == ["robotiq_85_left_knuckle_joint"]


def test_controllers_serve_the_sim_robots_actions() -> None:
    controllers = load_yaml(GAZEBO / "controllers.yaml")
    declared = controllers["controller_manager"]["ros__parameters"]
    assert declared["joint_state_broadcaster"]["type"] == "joint_state_broadcaster/JointStateBroadcaster"
    # A controller's action is /<controller name>/<its action>: JTC's follow_joint_trajectory and
    # GripperActionController's "~/gripper_cmd" (ros2_controllers jazzy).
    _, arm, arm_action = UR5.trajectory_action.split("/")
    _, gripper, gripper_action = UR5.gripper.action.split("/")
    assert (arm_action, gripper_action) == ("follow_joint_trajectory", "gripper_cmd")
    assert declared[arm]["type"] == "ur_controllers/ScaledJointTrajectoryController"
    assert declared[gripper]["type"] == "position_controllers/GripperActionController"
    assert controllers[arm]["ros__parameters"]["joints"] == list(JOINT_NAMES[:6])
    assert controllers[arm]["ros__parameters"]["speed_scaling_interface_name"] == ""
    assert controllers[gripper]["ros__parameters"] == {
        "joint": JOINT_NAMES[6], "goal_tolerance": 0.01, "allow_stalling": True,
    }
    robot_file = load_yaml(BRINGUP / "config" / "robots" / "ur5.yaml")["grasp_motion"]["ros__parameters"]
    assert (robot_file["trajectory_action"], robot_file["gripper_action"], robot_file["gripper_joint"]) == (
        UR5.trajectory_action, UR5.gripper.action, JOINT_NAMES[6])
    assert (robot_file["base_frame"], robot_file["pinch_frame"]) == (BASE_FRAME, PINCH_FRAME)


def test_world_has_the_sensors_system() -> None:
    world = ET.parse(GAZEBO / "grasp_world.sdf").getroot().find("world")
    systems = {p.get("name") for p in world.iter("plugin")}
    assert {"gz::sim::systems::Physics", "gz::sim::systems::Sensors", "gz::sim::systems::SceneBroadcaster"} <= systems
    assert world.find("model[@name='ground_plane']") is not None


@pytest.fixture
def servo_launch(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    for name, module in stubs.stub_modules().items():
        monkeypatch.setitem(sys.modules, name, module)
    yield stubs.load_launch_file(BRINGUP / "launch" / "servo.launch.py")


def gazebo_branch(module: ModuleType, **arguments: str) -> tuple[list, dict[str, str]]:
    description = module.generate_launch_description()
    context = stubs.context_for(description, sim="gazebo", **arguments)
    return module.launch_setup(context), context.launch_configurations


def test_gazebo_branch_nodes(servo_launch: ModuleType) -> None:
    entities, configuration = gazebo_branch(servo_launch, episodes="5", out="/tmp/gz_run")
    include, spawner, bridge, *grasp = entities[:-1]
    assert isinstance(entities[-1], stubs.RegisterEventHandler)  # the runner ends the launch
    source = include.args[0].args[0]
    assert source.parts[0].package == "ur_simulation_gz" and source.parts[1:] == ["launch", "ur_sim_control.launch.py"]
    arguments = dict(include.kwargs["launch_arguments"])
    assert set(arguments) <= UR_SIM_CONTROL_ARGUMENTS, set(arguments) - UR_SIM_CONTROL_ARGUMENTS
    assert arguments["ur_type"] == "ur5" and arguments["launch_rviz"] == "false"
    assert arguments["gazebo_gui"] == "true" and Path(arguments["world_file"]) == GAZEBO / "grasp_world.sdf"
    assert Path(arguments["description_file"]).is_file() and Path(arguments["controllers_file"]).is_file()
    declared = load_yaml(Path(arguments["controllers_file"]))["controller_manager"]["ros__parameters"]
    assert arguments["initial_joint_controller"] in declared
    assert (spawner.kwargs["package"], spawner.kwargs["executable"]) == ("controller_manager", "spawner")
    assert spawner.kwargs["arguments"][0] in declared
    assert (bridge.kwargs["package"], bridge.kwargs["executable"]) == ("ros_gz_bridge", "parameter_bridge")
    (bridge_parameters,) = bridge.kwargs["parameters"]
    assert Path(bridge_parameters["config_file"]) == GAZEBO / "bridge.yaml"
    assert [(n.kwargs["package"], n.kwargs["executable"]) for n in grasp] == [
        ("grasp_perception", "perception_node"),
        ("grasp_servo", "servo_node"),
        ("grasp_servo", "motion_node"),
        ("grasp_datacollect", "collector_node"),
        ("grasp_bringup", "episode_runner"),
    ]
    for node in grasp:
        (overrides,) = [p for p in node.kwargs["parameters"] if isinstance(p, dict)]
        assert overrides["use_sim_time"] is True, node.kwargs["executable"]
    assert overrides["sim"] is False and overrides["episodes"] == 5  # no reset_episode / check_grasp in Gazebo
    assert configuration["gazebo_gui"] == "true"


def test_gazebo_branch_arguments(servo_launch: ModuleType) -> None:
    entities, _ = gazebo_branch(servo_launch, gazebo_gui="false", gazebo_world="/w.sdf", record="false")
    arguments = dict(entities[0].kwargs["launch_arguments"])
    assert (arguments["gazebo_gui"], arguments["world_file"]) == ("false", "/w.sdf")
    assert "collector_node" not in [e.kwargs.get("executable") for e in entities[3:]]
