"""The generated MoveIt config folders (grasp_bringup.robot_configs) and the per-robot moveit_py builder, without
MoveIt: the committed files are what the generator writes, and they agree with the profiles and descriptions.
"""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from grasp_bringup.moveit_config import (
    CELL_OVERRIDES,
    GEN3_MOVEIT_PACKAGE,
    build_params,
    cell_overrides,
    gen3_mappings,
    moveit_py_problems,
)
from grasp_bringup.robot_configs import (
    ROBOTS,
    VENDOR,
    colliding_pairs,
    config_file_names,
    config_files,
    dump_yaml,
    named_states,
    segment_distance,
    split_action,
    stale_files,
)
from grasp_servo.robot_profiles import get_profile
from grasp_sim.arms import robot_model
from test_moveit_config import FakeConfigs

from grasp_bringup import moveit_config, robot_configs

PACKAGE = Path(__file__).resolve().parents[1]
MOVEIT_DIR = PACKAGE / "config" / "moveit"
MOVEIT_PY = PACKAGE / "config" / "moveit_py.yaml"
COMMITTED = ("abb", "jaco", "gen3", "ur5")


def load_yaml_text(text: str) -> Any:
    """As MoveIt's loader reads it (launch_param_builder: PyYAML), else ruamel.yaml (a rosbags dependency)."""
    try:
        import yaml
    except ImportError:
        ruamel = pytest.importorskip("ruamel.yaml", reason="neither PyYAML nor ruamel.yaml is installed")
        return ruamel.YAML(typ="safe").load(text)
    return yaml.load(text, Loader=yaml.FullLoader)


def load_yaml(path: Path) -> Any:
    return load_yaml_text(Path(path).read_text())


def files(robot: str) -> dict[str, str]:
    return {key: (MOVEIT_DIR / robot / name).read_text() for key, name in config_file_names(robot).items()}


def urdf_joints(urdf: ET.Element) -> dict[str, ET.Element]:
    """child link -> its joint."""
    return {joint.find("child").get("link"): joint for joint in urdf.iter("joint")}


@pytest.mark.parametrize("robot", COMMITTED)
def test_committed_folder_is_what_the_generator_writes(robot: str) -> None:
    assert stale_files(robot, MOVEIT_DIR / robot) == [], (
        f"config/moveit/{robot} is stale: run python -m grasp_bringup.robot_configs --robot {robot} "
        "--out src/grasp_bringup/config/moveit")


def test_every_folder_is_installed() -> None:
    setup = (PACKAGE / "setup.py").read_text()
    assert 'glob("config/moveit/*")' in setup and 'glob(folder + "/*")' in setup
    assert sorted(p.name for p in MOVEIT_DIR.iterdir() if p.is_dir()) == sorted(COMMITTED)


@pytest.mark.parametrize("robot", ROBOTS)
def test_urdf_has_the_profile_frames_and_the_pinch_point(robot: str) -> None:
    profile, model = get_profile(robot), robot_model(robot)
    urdf = ET.fromstring(files(robot)["urdf"])
    links = {link.get("name") for link in urdf.iter("link")}
    assert {profile.base_frame, profile.tool_frame, "grasp_pinch", "wrist_camera_depth_optical_frame"} <= links
    parents = {joint.find("child").get("link") for joint in urdf.iter("joint")}
    assert links - parents == {profile.base_frame}  # the root
    pinch = urdf_joints(urdf)["grasp_pinch"]
    assert pinch.get("type") == "fixed" and pinch.find("parent").get("link") == profile.tool_frame
    xyz = [float(v) for v in pinch.find("origin").get("xyz").split()]
    assert xyz == pytest.approx([0.0, 0.0, model.gripper.pinch_offset])


@pytest.mark.parametrize("robot", ROBOTS)
def test_srdf_chain_resolves_to_the_profile_joints(robot: str) -> None:
    profile = get_profile(robot)
    srdf = ET.fromstring(files(robot)["srdf"])
    urdf = ET.fromstring(files(robot)["urdf"])
    assert srdf.get("name") == urdf.get("name")
    (group,) = srdf.findall("group")
    assert group.get("name") == profile.planning_group
    (chain,) = group.findall("chain")
    assert (chain.get("base_link"), chain.get("tip_link")) == (profile.base_frame, profile.tool_frame)
    by_child = urdf_joints(urdf)
    joints, link = [], chain.get("tip_link")
    while link != chain.get("base_link"):
        joint = by_child[link]
        if joint.get("type") != "fixed":
            joints.append(joint.get("name"))
        link = joint.find("parent").get("link")
    assert tuple(reversed(joints)) == profile.joint_names


@pytest.mark.parametrize("robot", ROBOTS)
def test_named_states_are_within_the_urdf_limits(robot: str) -> None:
    profile = get_profile(robot)
    srdf = ET.fromstring(files(robot)["srdf"])
    urdf = ET.fromstring(files(robot)["urdf"])
    limits = {joint.get("name"): joint for joint in urdf.iter("joint")}
    states = {state.get("name"): state for state in srdf.findall("group_state")}
    assert list(states) == ["home", *(name for name in VENDOR[robot].named_states if name != "home")]
    for name, state in states.items():
        assert state.get("group") == profile.planning_group
        values = {j.get("name"): float(j.get("value")) for j in state.findall("joint")}
        assert list(values) == list(profile.joint_names), name
        for joint, value in values.items():
            element = limits[joint]
            if element.get("type") == "continuous":
                continue
            limit = element.find("limit")
            assert float(limit.get("lower")) <= value <= float(limit.get("upper")), (robot, name, joint, value)
    home = {j.get("name"): float(j.get("value")) for j in states["home"].findall("joint")}
    assert tuple(home.values()) == pytest.approx(profile.home_joints)


@pytest.mark.parametrize("robot", ROBOTS)
def test_no_named_state_is_in_self_collision(robot: str) -> None:
    """Every pair whose collision shapes (as capsules, which hold the URDF's cylinders) meet at a named state is
    disabled, so MoveIt does not refuse the named states (or a start at home) as in collision."""
    arm = robot_model(robot).arm
    srdf = ET.fromstring(files(robot)["srdf"])
    urdf_links = {link.get("name") for link in ET.fromstring(files(robot)["urdf"]).iter("link")}
    disabled = {frozenset((d.get("link1"), d.get("link2"))) for d in srdf.findall("disable_collisions")}
    assert all(pair <= urdf_links for pair in disabled)
    chain = [arm.base_link, *(link.name for link in arm.links)]
    assert {frozenset(pair) for pair in itertools.pairwise(chain)} <= disabled  # adjacent links
    for name, joints in named_states(robot).items():
        enabled = {frozenset(pair) for pair in colliding_pairs(arm, joints)} - disabled
        assert not enabled, (robot, name, enabled)


@pytest.mark.parametrize("robot", ROBOTS)
def test_controllers_are_the_profile_actions_and_joints(robot: str) -> None:
    profile = get_profile(robot)
    controllers = load_yaml_text(files(robot)["controllers"])
    assert controllers["moveit_controller_manager"] == "moveit_simple_controller_manager/MoveItSimpleControllerManager"
    manager = controllers["moveit_simple_controller_manager"]
    arm_name, gripper_name = manager["controller_names"]
    arm, gripper = manager[arm_name], manager[gripper_name]
    assert f"/{arm_name}/{arm['action_ns']}" == profile.trajectory_action
    assert (arm["type"], arm["default"], tuple(arm["joints"])) == ("FollowJointTrajectory", True, profile.joint_names)
    assert f"/{gripper_name}/{gripper['action_ns']}" == profile.gripper.action
    assert (gripper["type"], gripper["joints"]) == ("GripperCommand", [profile.gripper.joint])


@pytest.mark.parametrize("robot", ROBOTS)
def test_joint_limits_are_the_descriptions(robot: str) -> None:
    profile, arm = get_profile(robot), robot_model(robot).arm
    document = load_yaml_text(files(robot)["joint_limits"])
    assert document["default_velocity_scaling_factor"] == 0.1
    assert document["default_acceleration_scaling_factor"] == 0.1
    limits = document["joint_limits"]
    assert list(limits) == list(profile.joint_names)
    urdf = {j.get("name"): j for j in ET.fromstring(files(robot)["urdf"]).iter("joint")}
    vendor = VENDOR[robot].max_accelerations
    for index, (joint, link) in enumerate(zip(profile.joint_names, arm.links, strict=True)):
        entry = limits[joint]
        assert entry["has_velocity_limits"] is True and entry["max_velocity"] == link.velocity
        assert float(urdf[joint].find("limit").get("velocity")) == pytest.approx(link.velocity)
        assert entry["has_acceleration_limits"] is True and isinstance(entry["max_acceleration"], float)
        expected = vendor[index] if vendor else robot_configs.DEFAULT_MAX_ACCELERATION
        assert entry["max_acceleration"] == expected
    assert min(limits[j]["max_velocity"] for j in profile.joint_names) == pytest.approx(profile.max_joint_speed)


@pytest.mark.parametrize("robot", ROBOTS)
def test_kinematics_and_pilz_files(robot: str) -> None:
    profile = get_profile(robot)
    assert load_yaml_text(files(robot)["kinematics"]) == {profile.planning_group: {
        "kinematics_solver": "kdl_kinematics_plugin/KDLKinematicsPlugin",
        "kinematics_solver_search_resolution": 0.005, "kinematics_solver_timeout": 0.005}}
    limits = load_yaml_text(files(robot)["pilz_cartesian_limits"])["cartesian_limits"]
    assert set(limits) == {"max_trans_vel", "max_trans_acc", "max_trans_dec", "max_rot_vel"}
    assert all(isinstance(v, float) for v in limits.values())


def test_vendor_named_states_as_checked() -> None:
    assert VENDOR["gen3"].named_states["Home"] == (0.0, 0.261, -2.27, 0.0, 0.96, 1.5708)
    assert VENDOR["jaco"].named_states["Retract"] == (-1.56695, 2.6189, 0.4688, -1.6088, 0.0904, 1.741)
    assert VENDOR["abb"].named_states == {"all_zero": (0.0,) * 6}
    assert VENDOR["jaco"].max_accelerations is None  # kinova-ros gives none: the stated default
    assert set(named_states("ur5")) == {"home", "up"}  # ur_moveit_config's home is not the profile's


def test_yaml_writer_round_trips() -> None:
    data = {"a": {"b": [1.0, "x/y", True], "c": "true", "d": "", "e": "two words", "f": 1e-05, "g": []},
            "h": -5.0, "i": 3}
    text = dump_yaml(data)
    assert load_yaml_text(text) == data
    with pytest.raises(ValueError):
        dump_yaml({"x": math.nan})
    with pytest.raises(ValueError):
        dump_yaml({"a b": 1})


def test_segment_distance() -> None:
    o = np.zeros(3)
    assert segment_distance(o, np.array([1.0, 0, 0]), np.array([0.5, 1.0, 0]), np.array([0.5, 2.0, 0])) == 1.0
    assert segment_distance(o, np.array([1.0, 0, 0]), np.array([0, 1.0, 1.0]), np.array([1.0, -1.0, 1.0])) == 1.0
    assert segment_distance(o, o, np.array([3.0, 4.0, 0]), np.array([3.0, 4.0, 0])) == 5.0
    assert segment_distance(o, np.array([1.0, 0, 0]), np.array([2.0, 0, 0]), np.array([3.0, 0, 0])) == 1.0


def test_split_action() -> None:
    assert split_action("/j2n6s200/follow_joint_trajectory") == ("j2n6s200", "follow_joint_trajectory")
    assert split_action("/a/b/gripper_cmd") == ("a/b", "gripper_cmd")
    with pytest.raises(ValueError):
        split_action("/gripper_cmd")


def test_generator_command_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert robot_configs.main(["--all", "--out", str(MOVEIT_DIR), "--check"]) == 0
    assert robot_configs.main(["--robot", "jaco", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in (tmp_path / "jaco").iterdir()) == sorted(config_files("jaco"))
    (tmp_path / "jaco" / "jaco.srdf").write_text("<robot/>")
    (tmp_path / "jaco" / "extra.yaml").write_text("{}")
    assert robot_configs.main(["--robot", "jaco", "--out", str(tmp_path), "--check"]) == 1
    assert "stale: extra.yaml, jaco.srdf" in capsys.readouterr().out


# ------------------------------------------------------------------------------------ moveit_config per robot


def test_cell_controller_is_the_profiles() -> None:
    assert cell_overrides("ur5") == CELL_OVERRIDES == {
        "moveit_simple_controller_manager": {"controller_names": ["scaled_joint_trajectory_controller"]}}
    for robot, name in (("abb", "joint_trajectory_controller"), ("gen3", "joint_trajectory_controller"),
                        ("jaco", "j2n6s200")):
        assert cell_overrides(robot)["moveit_simple_controller_manager"]["controller_names"] == [name]
        assert get_profile(robot).trajectory_action == f"/{name}/follow_joint_trajectory"


class FakeBuilder:
    """MoveItConfigsBuilder (moveit_configs_builder.py, jazzy) on grasp_bringup's source tree as its share: it
    records the calls and loads the files as the real one does (robot_description_* keys, the controllers file
    at the top level, joint limits and Pilz limits under robot_description_planning)."""

    calls: ClassVar[list[tuple[str, tuple, dict]]] = []
    vendor_urdf = '<?xml version="1.0"?>\n<robot name="gen3">\n  <link name="end_effector_link"/>\n</robot>\n'

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        FakeBuilder.calls = [("init", args, kwargs)]
        self.params: dict[str, Any] = {}
        self.package = PACKAGE if kwargs.get("package_name") == "grasp_bringup" else None

    def _record(self, name: str, args: tuple, kwargs: dict) -> None:
        FakeBuilder.calls.append((name, args, kwargs))

    def _path(self, file_path: Any) -> Path:
        assert self.package is not None, "file paths are only read from grasp_bringup here"
        return self.package / file_path

    def robot_description(self, file_path: Any = None, mappings: Any = None) -> FakeBuilder:
        self._record("robot_description", (), {k: v for k, v in (("file_path", file_path), ("mappings", mappings))
                                               if v is not None})
        text = self._path(file_path).read_text() if file_path else self.vendor_urdf
        self.params["robot_description"] = text
        return self

    def robot_description_semantic(self, file_path: Any = None, mappings: Any = None) -> FakeBuilder:
        self._record("robot_description_semantic", (), {"file_path": file_path})
        self.params["robot_description_semantic"] = self._path(file_path).read_text()
        return self

    def robot_description_kinematics(self, file_path: Any = None) -> FakeBuilder:
        self._record("robot_description_kinematics", (), {"file_path": file_path})
        self.params["robot_description_kinematics"] = load_yaml(self._path(file_path))
        return self

    def joint_limits(self, file_path: Any = None) -> FakeBuilder:
        self._record("joint_limits", (), {"file_path": file_path})
        self.params.setdefault("robot_description_planning", {}).update(load_yaml(self._path(file_path)))
        return self

    def trajectory_execution(self, file_path: Any = None, moveit_manage_controllers: bool = True) -> FakeBuilder:
        self._record("trajectory_execution", (), {"file_path": file_path,
                                                  "moveit_manage_controllers": moveit_manage_controllers})
        if self.package is not None:
            self.params.update({"moveit_manage_controllers": moveit_manage_controllers,
                                **load_yaml(self._path(file_path))})
        else:  # the vendor's package: ros2_kortex's controllers
            self.params["moveit_simple_controller_manager"] = {
                "controller_names": ["joint_trajectory_controller", "robotiq_gripper_controller"]}
        return self

    def pilz_cartesian_limits(self, file_path: Any = None) -> FakeBuilder:
        self._record("pilz_cartesian_limits", (), {"file_path": file_path})
        self.params.setdefault("robot_description_planning", {}).update(load_yaml(self._path(file_path)))
        return self

    def planning_pipelines(self, pipelines: Any = None) -> FakeBuilder:
        self._record("planning_pipelines", (), {"pipelines": pipelines})
        self.params.update({"planning_pipelines": pipelines, "default_planning_pipeline": "ompl"})
        return self

    def to_moveit_configs(self) -> FakeConfigs:
        self.params.setdefault("robot_description_planning", {}).setdefault(
            "cartesian_limits", {"max_trans_vel": 1.0})
        return FakeConfigs(self.params)


def build(robot: str, **kwargs: Any) -> dict[str, Any]:
    return build_params(robot, MOVEIT_PY, builder=FakeBuilder, load_yaml=load_yaml,
                        share=lambda package: f"/opt/ros/jazzy/share/{package}", **kwargs)


@pytest.mark.parametrize("robot", ["abb", "jaco"])
def test_generated_robots_build_from_the_installed_folder(robot: str) -> None:
    params = build(robot, use_sim_time=True)
    folder = Path("config") / "moveit" / robot
    assert FakeBuilder.calls == [
        ("init", (robot,), {"package_name": "grasp_bringup"}),
        ("robot_description", (), {"file_path": folder / f"{robot}.urdf"}),
        ("robot_description_semantic", (), {"file_path": folder / f"{robot}.srdf"}),
        ("robot_description_kinematics", (), {"file_path": folder / "kinematics.yaml"}),
        ("joint_limits", (), {"file_path": folder / "joint_limits.yaml"}),
        ("trajectory_execution", (), {"file_path": folder / "moveit_controllers.yaml",
                                      "moveit_manage_controllers": False}),
        ("pilz_cartesian_limits", (), {"file_path": folder / "pilz_cartesian_limits.yaml"}),
        ("planning_pipelines", (), {"pipelines": ["ompl", "pilz_industrial_motion_planner"]}),
    ]
    profile = get_profile(robot)
    assert moveit_py_problems(params) == []
    assert params["robot_description"].count('<link name="grasp_pinch"/>') == 1
    assert profile.planning_group in params["robot_description_kinematics"]
    assert set(params["robot_description_planning"]["joint_limits"]) == set(profile.joint_names)
    assert params["robot_description_planning"]["cartesian_limits"]["max_rot_vel"] == 1.57
    manager = params["moveit_simple_controller_manager"]
    assert manager["controller_names"] == [split_action(profile.trajectory_action)[0]]
    assert params["use_sim_time"] is True
    with pytest.raises(ValueError, match="regenerate"):
        build(robot, pinch_offset=0.12)


def test_gen3_builds_as_kinovas_robot_launch() -> None:
    params = build("gen3")
    assert FakeBuilder.calls == [
        ("init", ("gen3",), {"package_name": GEN3_MOVEIT_PACKAGE}),
        ("robot_description", (), {"mappings": gen3_mappings()}),
        ("trajectory_execution", (), {"file_path": "config/moveit_controllers.yaml",
                                      "moveit_manage_controllers": True}),
        ("planning_pipelines", (), {"pipelines": ["ompl", "pilz_industrial_motion_planner"]}),
    ]
    assert gen3_mappings()["dof"] == "6" and gen3_mappings()["gripper"] == "robotiq_2f_85"
    assert all(isinstance(v, str) for v in gen3_mappings().values())  # so the builder loads the xacro at once
    root = ET.fromstring(params["robot_description"])
    joint = root.find("joint[@name='end_effector_link-grasp_pinch']")
    assert joint.find("parent").get("link") == "end_effector_link"
    offset = robot_model("gen3").gripper.pinch_offset
    assert [float(v) for v in joint.find("origin").get("xyz").split()] == pytest.approx([0, 0, offset])
    assert params["moveit_simple_controller_manager"]["controller_names"] == ["joint_trajectory_controller"]
    assert moveit_py_problems(params) == []
    assert "grasp_pinch" not in build("gen3", add_pinch_link=False)["robot_description"]
    generated = build("gen3", from_generated=True)
    assert FakeBuilder.calls[0] == ("init", ("gen3",), {"package_name": "grasp_bringup"})
    assert generated["moveit_simple_controller_manager"]["controller_names"] == ["joint_trajectory_controller"]


def test_ur5_keeps_its_recipe() -> None:
    calls: list[str] = []

    def fake_ur(ur_type: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append(ur_type)
        return {"pinch_offset": kwargs["pinch_offset"]}

    original = moveit_config.build_ur_params
    moveit_config.build_ur_params = fake_ur
    try:
        assert build_params("ur5", MOVEIT_PY, ur_type="ur5e") == {"pinch_offset": pytest.approx(0.103)}
        assert build_params("ur5", MOVEIT_PY, add_pinch_link=False) == {"pinch_offset": None}
    finally:
        moveit_config.build_ur_params = original
    assert calls == ["ur5e", "ur5"]
    with pytest.raises(ValueError, match="robot"):
        build_params("kuka", MOVEIT_PY)


def test_main_per_robot_without_moveit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        import moveit_configs_utils  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("MoveIt is installed: the helper would really run")
    assert moveit_config.main(["--robot", "abb", "--out", str(tmp_path / "abb.yaml")]) == 1
    assert "install ros-jazzy-moveit-configs-utils" in capsys.readouterr().err
    assert moveit_config.main(["--robot", "gen3", "--out", str(tmp_path / "gen3.yaml")]) == 1
    assert GEN3_MOVEIT_PACKAGE in capsys.readouterr().err
    with pytest.raises(SystemExit):
        moveit_config.main(["--robot", "gen3", "--ur-type", "ur5e", "--out", str(tmp_path / "x.yaml")])
    assert not list(tmp_path.iterdir())


def test_abb_driver_description_has_ros2_control_for_every_joint() -> None:
    """abb.ros2_control.urdf.xacro: the URDF's links and joints, the xacro arguments abb_control.launch.py passes
    (abb_ros2 rolling) and a ros2_control joint per profile joint with position + velocity interfaces."""
    profile = get_profile("abb")
    text = files("abb")["driver_xacro"]
    root = ET.fromstring(text)
    urdf = ET.fromstring(files("abb")["urdf"])
    assert [e.get("name") for e in root.findall("link")] == [e.get("name") for e in urdf.findall("link")]
    assert [e.get("name") for e in root.findall("joint")] == [e.get("name") for e in urdf.findall("joint")]
    xacro = "{http://ros.org/wiki/xacro}"
    assert {e.get("name") for e in root.findall(f"{xacro}arg")} == {
        "prefix", "use_fake_hardware", "fake_sensor_commands", "rws_ip", "rws_port", "configure_via_rws"}
    (control,) = root.findall("ros2_control")
    plugins = [e.text for e in control.iter("plugin")]
    assert plugins == ["mock_components/GenericSystem", "abb_hardware_interface/ABBSystemHardware"]
    joints = control.findall("joint")
    assert tuple(j.get("name") for j in joints) == profile.joint_names
    for joint in joints:
        assert [c.get("name") for c in joint.findall("command_interface")] == ["position", "velocity"]
        assert [c.get("name") for c in joint.findall("state_interface")] == ["position", "velocity"]
    assert "driver_xacro" not in config_file_names("jaco")
