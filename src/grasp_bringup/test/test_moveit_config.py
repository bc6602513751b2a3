"""config/moveit_py.yaml and the grasp_bringup.moveit_config helper, checked without MoveIt.

Names and rules come from moveit/moveit2's jazzy branch (docs/moveit.md lists the files): a pipeline without
planning_plugins throws in planning_pipeline.cpp; plugin and adapter names as moveit_configs_utils'
default_configs and the plugin description XMLs give them.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from grasp_bringup.moveit_config import (
    CELL_OVERRIDES,
    SIM_PINCH_OFFSET,
    build_ur_params,
    deep_merge,
    dumps_params,
    main,
    moveit_py_problems,
    params_document,
    unwrap_ros_parameters,
    with_pinch_link,
)

CONFIG = Path(__file__).resolve().parents[1] / "config"
MOVEIT_PY = CONFIG / "moveit_py.yaml"
# moveit2 jazzy: moveit_configs_utils/default_configs/{ompl,pilz_industrial_motion_planner}_planning.yaml and
# moveit_ros/planning/default_{request,response}_adapters_plugin_description.xml.
REQUEST_ADAPTERS = [
    "default_planning_request_adapters/ResolveConstraintFrames",
    "default_planning_request_adapters/ValidateWorkspaceBounds",
    "default_planning_request_adapters/CheckStartStateBounds",
    "default_planning_request_adapters/CheckStartStateCollision",
]
# The file before this fix: pipeline_names without any planning_plugins.
OLD_FILE_PARAMS = {
    "planning_pipelines": {"pipeline_names": ["ompl"]},
    "plan_request_params": {"planning_attempts": 1, "planning_pipeline": "ompl",
                            "planner_id": "RRTConnectkConfigDefault", "planning_time": 1.0,
                            "max_velocity_scaling_factor": 0.3, "max_acceleration_scaling_factor": 0.3},
}


def load_yaml(path: Path) -> Any:
    yaml = pytest.importorskip("ruamel.yaml", reason="ruamel.yaml (a rosbags dependency) is not installed")
    return yaml.YAML(typ="safe").load(path.read_text())


def moveit_py_params() -> dict[str, Any]:
    return unwrap_ros_parameters(load_yaml(MOVEIT_PY))


def test_moveit_py_yaml_is_what_jazzy_needs() -> None:
    params = moveit_py_params()
    assert moveit_py_problems(params) == []
    assert params["planning_pipelines"]["pipeline_names"] == ["pilz_industrial_motion_planner", "ompl"]
    assert params["ompl"]["planning_plugins"] == ["ompl_interface/OMPLPlanner"]
    assert params["pilz_industrial_motion_planner"]["planning_plugins"] == [
        "pilz_industrial_motion_planner/CommandPlanner"]
    for pipeline in ("ompl", "pilz_industrial_motion_planner"):
        assert params[pipeline]["request_adapters"] == REQUEST_ADAPTERS
    assert params["ompl"]["response_adapters"] == [
        "default_planning_response_adapters/AddTimeOptimalParameterization",
        "default_planning_response_adapters/ValidateSolution",
        "default_planning_response_adapters/DisplayMotionPath",
    ]
    assert params["pilz_industrial_motion_planner"]["response_adapters"] == [
        "default_planning_response_adapters/ValidateSolution",
        "default_planning_response_adapters/DisplayMotionPath",
    ]
    request = params["plan_request_params"]
    assert (request["planning_pipeline"], request["planner_id"]) == ("pilz_industrial_motion_planner", "LIN")
    assert params["ompl_rrtc"]["plan_request_params"]["planning_pipeline"] == "ompl"
    # PlanningSceneMonitorOptions::load (moveit_cpp.hpp) reads only these; topics are fixed in Jazzy.
    assert set(params["planning_scene_monitor_options"]) == {
        "name", "robot_description", "wait_for_initial_state_timeout"}


def test_the_old_file_is_refused_for_the_reason_jazzy_throws() -> None:
    problems = moveit_py_problems(OLD_FILE_PARAMS)
    assert problems == ["pipeline ompl: no parameters under ompl.*"]
    no_plugins = deep_merge(OLD_FILE_PARAMS, {"ompl": {"request_adapters": REQUEST_ADAPTERS}})
    assert moveit_py_problems(no_plugins) == ["ompl.planning_plugins must be a non-empty list of plugin names"]


def test_problems_name_typed_and_unknown_values() -> None:
    params = moveit_py_params()
    bad = deep_merge(params, {"plan_request_params": {"planning_time": 1, "planning_pipeline": "chomp"},
                              "ompl": {"request_adapters": " ".join(REQUEST_ADAPTERS)},
                              "ompl_rrtc": {"plan_request_params": {"max_velocity_scaling_factor": 1.5}},
                              "robot_description_planning": {"cartesian_limits": {"max_rot_vel": 2}}})
    problems = moveit_py_problems(bad)
    assert "plan_request_params.planning_time must be a float (ROS parameters are typed)" in problems
    assert any(p.startswith("plan_request_params.planning_pipeline must be one of") for p in problems)
    assert "ompl.request_adapters must be a list (Jazzy; Humble took one string)" in problems
    assert "ompl_rrtc.plan_request_params.max_velocity_scaling_factor must be in (0, 1]" in problems
    assert any("cartesian_limits.max_rot_vel" in p for p in problems)
    lin_less = deep_merge(params, {"plan_request_params": {"planner_id": "RRTConnect"}})
    assert moveit_py_problems(lin_less) == ["plan_request_params.planner_id must be PTP, LIN or CIRC for Pilz"]


def test_merge_and_unwrap() -> None:
    assert deep_merge({"a": {"b": 1, "c": [1]}, "d": [1]}, {"a": {"c": [2]}, "d": {"e": 1}}) == {
        "a": {"b": 1, "c": [2]}, "d": {"e": 1}}
    assert unwrap_ros_parameters({"/**": {"ros__parameters": {"x": 1}}}) == {"x": 1}
    assert unwrap_ros_parameters({"x": 1, "y": {"z": 2}}) == {"x": 1, "y": {"z": 2}}
    with pytest.raises(ValueError):
        unwrap_ros_parameters({"a": {"ros__parameters": {}}, "b": {"ros__parameters": {}}})


URDF = '<?xml version="1.0" ?>\n<robot name="ur5">\n  <link name="tool0"/>\n</robot>\n'


def test_pinch_link_is_fixed_below_tool0() -> None:
    urdf = with_pinch_link(URDF)
    root = ET.fromstring(urdf)
    joint = root.find("joint[@name='tool0-grasp_pinch']")
    assert joint is not None and joint.get("type") == "fixed"
    assert joint.find("parent").get("link") == "tool0" and joint.find("child").get("link") == "grasp_pinch"
    assert [float(v) for v in joint.find("origin").get("xyz").split()] == [0.0, 0.0, SIM_PINCH_OFFSET]
    assert root.find("link[@name='grasp_pinch']") is not None
    assert with_pinch_link(urdf) == urdf
    with pytest.raises(ValueError):
        with_pinch_link("<robot>")


class FakeConfigs:
    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params

    def to_dict(self) -> dict[str, Any]:
        return self.params


class FakeBuilder:
    """MoveItConfigsBuilder's chain (moveit_configs_builder.py, jazzy), recording the calls; the dict it returns
    is what ur_moveit_config (jazzy) would give: UR's pipeline files plus ompl_defaults' planner_configs."""

    calls: ClassVar[list[tuple[str, tuple, dict]]] = []

    def __init__(self, **kwargs: Any) -> None:
        FakeBuilder.calls = [("init", (), kwargs)]

    def _record(self, name: str, *args: Any, **kwargs: Any) -> FakeBuilder:
        FakeBuilder.calls.append((name, args, kwargs))
        return self

    def robot_description(self, *args: Any, **kwargs: Any) -> FakeBuilder:
        return self._record("robot_description", *args, **kwargs)

    def robot_description_semantic(self, *args: Any, **kwargs: Any) -> FakeBuilder:
        return self._record("robot_description_semantic", *args, **kwargs)

    def planning_pipelines(self, *args: Any, **kwargs: Any) -> FakeBuilder:
        return self._record("planning_pipelines", *args, **kwargs)

    def to_moveit_configs(self) -> FakeConfigs:
        return FakeConfigs({
            "robot_description": URDF,
            "robot_description_semantic": "<robot name='ur5'/>",
            "planning_pipelines": ["ompl", "pilz_industrial_motion_planner"],
            "default_planning_pipeline": "ompl",
            "ompl": {"planning_plugins": ["ompl_interface/OMPLPlanner"], "request_adapters": REQUEST_ADAPTERS,
                     "planner_configs": {"RRTConnect": {"type": "geometric::RRTConnect", "range": 0.0}}},
            "pilz_industrial_motion_planner": {"planning_plugins": ["pilz_industrial_motion_planner/CommandPlanner"],
                                               "default_planner_config": "PTP"},
            "moveit_simple_controller_manager": {
                "controller_names": ["scaled_joint_trajectory_controller", "joint_trajectory_controller"]},
            "robot_description_planning": {"joint_limits": {"elbow_joint": {"max_acceleration": 5.0}},
                                           "cartesian_limits": {"max_trans_vel": 1.0}},
        })


def build(**kwargs: Any) -> dict[str, Any]:
    return build_ur_params("ur5", MOVEIT_PY, builder=FakeBuilder, load_yaml=load_yaml,
                           share=lambda package: f"/opt/ros/jazzy/share/{package}", **kwargs)


def test_builder_is_called_as_ur_moveit_config_does() -> None:
    build()
    assert FakeBuilder.calls == [
        ("init", (), {"robot_name": "ur", "package_name": "ur_moveit_config"}),
        ("robot_description", (), {"file_path": "/opt/ros/jazzy/share/ur_description/urdf/ur.urdf.xacro",
                                   "mappings": {"ur_type": "ur5", "name": "ur5"}}),
        ("robot_description_semantic", (Path("srdf") / "ur.srdf.xacro", {"name": "ur5"}), {}),
        ("planning_pipelines", (), {"pipelines": ["ompl", "pilz_industrial_motion_planner"]}),
    ]


def test_merged_parameters() -> None:
    params = build(use_sim_time=True)
    assert moveit_py_problems(params) == []
    assert params["planning_pipelines"] == {"pipeline_names": ["pilz_industrial_motion_planner", "ompl"]}
    assert params["ompl"]["planner_configs"]["RRTConnect"]["type"] == "geometric::RRTConnect"  # kept
    assert params["ompl"]["response_adapters"][0] == "default_planning_response_adapters/AddTimeOptimalParameterization"
    assert params["robot_description_planning"]["joint_limits"]["elbow_joint"]["max_acceleration"] == 5.0
    assert params["robot_description_planning"]["cartesian_limits"]["max_rot_vel"] == 1.57
    assert params["moveit_simple_controller_manager"] == CELL_OVERRIDES["moveit_simple_controller_manager"]
    assert '<link name="grasp_pinch"/>' in params["robot_description"] and params["use_sim_time"] is True
    assert "grasp_pinch" not in build(pinch_offset=None)["robot_description"]
    with pytest.raises(ValueError, match="ur_type"):
        build_ur_params("ur6", MOVEIT_PY, builder=FakeBuilder, load_yaml=load_yaml, share=str)


def test_parameter_file_text_round_trips() -> None:
    params = build()
    text = dumps_params(params_document(params))
    assert text.startswith("# ")
    document = json.loads(text.split("\n", 1)[1])
    assert document == {"/**": {"ros__parameters": params}}


def test_rcl_reads_the_files_with_their_types(tmp_path: Path) -> None:
    """The generated JSON file and config/moveit_py.yaml through rcl's own parameter parser (ROS 2 only)."""
    rclpy = pytest.importorskip("rclpy", reason="ROS 2 (rclpy) is not installed: rcl's parser is not here")
    from rclpy.node import Node
    from rclpy.parameter import Parameter

    generated = tmp_path / "moveit_ur5.yaml"
    generated.write_text(dumps_params(params_document(build())))
    context = rclpy.Context()
    rclpy.init(args=["--ros-args", "--params-file", str(MOVEIT_PY), "--params-file", str(generated)],
               context=context)
    try:
        node = Node("moveit_py", context=context, automatically_declare_parameters_from_overrides=True)
        read = {name: node.get_parameter(name) for name in (
            "plan_request_params.planning_time", "plan_request_params.planning_attempts",
            "ompl_rrtc.plan_request_params.planner_id", "ompl.planning_plugins", "robot_description",
            "robot_description_planning.cartesian_limits.max_trans_dec", "planning_pipelines.pipeline_names")}
        assert read["plan_request_params.planning_time"].type_ == Parameter.Type.DOUBLE
        assert read["plan_request_params.planning_attempts"].type_ == Parameter.Type.INTEGER
        assert read["ompl_rrtc.plan_request_params.planner_id"].value == ""
        assert read["ompl.planning_plugins"].type_ == Parameter.Type.STRING_ARRAY
        assert read["robot_description_planning.cartesian_limits.max_trans_dec"].value == -5.0
        assert "grasp_pinch" in read["robot_description"].value
        node.destroy_node()
    finally:
        rclpy.shutdown(context=context)


def test_main_without_moveit_says_what_to_install(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        import moveit_configs_utils  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("MoveIt is installed: the helper would really run")
    assert main(["--out", str(tmp_path / "out.yaml")]) == 1
    assert "install ros-jazzy-moveit-configs-utils" in capsys.readouterr().err
    assert not (tmp_path / "out.yaml").exists()


# ur_description (UniversalRobots/Universal_Robots_ROS2_Description, the branch Jazzy is released from):
# config/ur5/default_kinematics.yaml and the joint origins of urdf/ur_macro.xacro.
UR5_KINEMATICS = [
    ((0, 0, 0.089159), (0, 0, 0)),
    ((0, 0, 0), (1.570796327, 0, 0)),
    ((-0.425, 0, 0), (0, 0, 0)),
    ((-0.39225, 0, 0.10915), (0, 0, 0)),
    ((0, -0.09465, 0), (1.570796327, 0, 0)),
    ((0, 0.0823, 0), (1.570796326589793, np.pi, np.pi)),
]


def _transform(xyz: tuple[float, ...], rpy: tuple[float, ...]) -> np.ndarray:
    r, p, y = rpy
    rx = np.array([[1, 0, 0], [0, np.cos(r), -np.sin(r)], [0, np.sin(r), np.cos(r)]])
    ry = np.array([[np.cos(p), 0, np.sin(p)], [0, 1, 0], [-np.sin(p), 0, np.cos(p)]])
    rz = np.array([[np.cos(y), -np.sin(y), 0], [np.sin(y), np.cos(y), 0], [0, 0, 1]])
    matrix = np.eye(4)
    matrix[:3, :3] = rz @ ry @ rx
    matrix[:3, 3] = xyz
    return matrix


def ur_description_tool0(joints: np.ndarray) -> np.ndarray:
    """base_link -> tool0 of ur_description's UR5 (base_link_inertia is base_link turned by pi about z)."""
    matrix = _transform((0, 0, 0), (0, 0, np.pi))
    for (xyz, rpy), q in zip(UR5_KINEMATICS, joints, strict=True):
        matrix = matrix @ _transform(xyz, rpy) @ _transform((0, 0, 0), (0, 0, q))
    flange = _transform((0, 0, 0), (0, -np.pi / 2, -np.pi / 2))  # wrist_3_link -> flange
    return matrix @ flange @ _transform((0, 0, 0), (np.pi / 2, 0, np.pi / 2))  # flange -> tool0


def test_the_simulated_arm_is_ur_descriptions_ur5() -> None:
    """MoveIt plans on ur_description's UR5: the sim's joint angles must put tool0 where that model does."""
    mujoco = pytest.importorskip("mujoco", reason="MuJoCo is not installed")
    from grasp_sim.arm_model import GripperGeometry, arm_mjcf

    assert GripperGeometry().pinch_offset == pytest.approx(SIM_PINCH_OFFSET)
    model = mujoco.MjModel.from_xml_string(arm_mjcf())
    data = mujoco.MjData(model)
    names = ["shoulder_pan_joint", "shoulder_lift_joint", "elbow_joint", "wrist_1_joint", "wrist_2_joint",
             "wrist_3_joint"]
    addresses = [model.jnt_qposadr[model.joint(name).id] for name in names]
    base, tool = model.body("base_link").id, model.body("tool0").id
    for joints in np.random.default_rng(3).uniform(-3.0, 3.0, (50, 6)):
        data.qpos[:] = 0.0
        data.qpos[addresses] = joints
        mujoco.mj_kinematics(model, data)
        base_rot = data.xmat[base].reshape(3, 3)
        sim = np.eye(4)
        sim[:3, :3] = base_rot.T @ data.xmat[tool].reshape(3, 3)
        sim[:3, 3] = base_rot.T @ (data.xpos[tool] - data.xpos[base])
        np.testing.assert_allclose(sim, ur_description_tool0(joints), atol=1e-6)
