"""The perception node over real rclpy / DDS: frames and camera info in, EncodedFrame (and markers) out.

Skipped where ROS 2 is not installed or grasp_interfaces is not built (source the colcon workspace).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="ROS 2 (rclpy) is not installed: these tests run in a ROS 2 workspace")
pytest.importorskip("grasp_interfaces.msg", reason="grasp_interfaces is not built: source the colcon workspace")

from grasp_perception.ros.parameters import (  # noqa: E402
    TOPIC_CAMERA_INFO,
    TOPIC_CANDIDATE_MARKERS,
    TOPIC_DEPTH_IMAGE,
    TOPIC_ENCODED_FRAME,
    ParameterError,
)
from grasp_perception.split_model import FrameEncoder, HeadScorer  # noqa: E402
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy, qos_profile_sensor_data  # noqa: E402
from sensor_msgs.msg import CameraInfo, Image  # noqa: E402

from grasp_interfaces.msg import EncodedFrame  # noqa: E402

SHIPPED = Path(__file__).resolve().parents[2] / "grasp_bringup" / "grasp_bringup" / "models" / "grasp_success.onnx"
FRAME_ID = "wrist_camera_depth_optical_frame"
TIMEOUT = 10.0


def scene(shift: int = 0) -> np.ndarray:
    depth = np.full((64, 64), 0.34, np.float32)
    depth[20 + shift : 34 + shift, 24:40] = 0.29
    return depth


def image_msg(depth: np.ndarray, stamp_ns: int, encoding: str = "32FC1") -> Image:
    msg = Image()
    msg.header.stamp.sec, msg.header.stamp.nanosec = divmod(stamp_ns, 1_000_000_000)
    msg.header.frame_id = FRAME_ID
    msg.height, msg.width = depth.shape
    msg.encoding, msg.is_bigendian, msg.step = encoding, 0, depth.shape[1] * 4
    msg.data = depth.astype("<f4").tobytes()
    return msg


def info_msg(encoder: FrameEncoder) -> CameraInfo:
    camera = encoder.contract.camera
    msg = CameraInfo()
    msg.header.frame_id = FRAME_ID
    msg.width, msg.height = camera.width, camera.height
    msg.k = [float(v) for v in camera.intrinsics().k().ravel()]
    msg.distortion_model = "plumb_bob"
    msg.d = [0.0] * 5
    return msg


@pytest.fixture
def graph() -> Iterator[dict[str, Any]]:
    """The perception node and a test node (publishers of frames and infos, subscribers of its outputs),
    spun in a background executor."""
    from grasp_perception.ros.perception_node import PerceptionNode

    rclpy.init()
    node = PerceptionNode(parameter_overrides=[
        Parameter("model_path", value=str(SHIPPED)),
        Parameter("max_frame_age_s", value=5.0),
        Parameter("marker_rate_hz", value=20.0),
        Parameter("warn_throttle_s", value=0.0),
        Parameter("camera_mount", value=[0.0, 0.0, -0.058, 0.0, 0.0, 0.0, 1.0]),  # the model's own
    ])
    peer = rclpy.create_node("perception_test_peer")
    received: dict[str, list[Any]] = {"encoded": [], "markers": []}
    peer.create_subscription(
        EncodedFrame, TOPIC_ENCODED_FRAME, received["encoded"].append,
        QoSProfile(depth=10, reliability=ReliabilityPolicy.BEST_EFFORT, history=HistoryPolicy.KEEP_LAST),
    )
    try:
        from visualization_msgs.msg import MarkerArray

        peer.create_subscription(MarkerArray, TOPIC_CANDIDATE_MARKERS, received["markers"].append, 10)
    except ImportError:
        pass
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    executor.add_node(peer)
    spinner = threading.Thread(target=executor.spin, daemon=True)
    spinner.start()
    yield {
        "node": node,
        "peer": peer,
        "received": received,
        "images": peer.create_publisher(Image, TOPIC_DEPTH_IMAGE, qos_profile_sensor_data),
        "infos": peer.create_publisher(CameraInfo, TOPIC_CAMERA_INFO, qos_profile_sensor_data),
    }
    executor.shutdown()
    spinner.join(timeout=5)
    node.destroy_node()
    peer.destroy_node()
    rclpy.try_shutdown()


def wait_for(condition: Callable[[], bool], timeout: float = TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def publish_until(graph: dict[str, Any], msg: Image, count: int) -> EncodedFrame | None:
    """Publish a frame (again, DDS discovery may drop the first) until the count-th EncodedFrame arrives."""
    encoded = graph["received"]["encoded"]
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and len(encoded) < count:
        graph["infos"].publish(info_msg(graph["node"].encoder))
        graph["images"].publish(msg)
        wait_for(lambda: len(encoded) >= count, 0.3)
    return encoded[count - 1] if len(encoded) >= count else None


def now_ns(node: Any) -> int:
    return int(node.get_clock().now().nanoseconds)


def test_frame_is_encoded_and_published_with_its_header(graph: dict[str, Any]) -> None:
    node = graph["node"]
    encoder = FrameEncoder(SHIPPED)
    stamp = now_ns(node)
    msg = publish_until(graph, image_msg(scene(), stamp), 1)
    assert msg is not None, "no EncodedFrame arrived"
    assert msg.header.frame_id == FRAME_ID
    assert msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec == stamp
    assert msg.model_sha256 == encoder.sha256 and list(msg.shape) == [32, 8, 8]
    features = np.asarray(msg.features, dtype=np.float32).reshape(list(msg.shape))
    expected = encoder.encode(scene())
    np.testing.assert_array_equal(features, expected.features)
    assert msg.valid_fraction == pytest.approx(expected.valid_fraction)
    # The frame in the model's camera rides along, for the servo's finger-clearance check.
    depth = np.asarray(msg.depth, dtype=np.float32).reshape(msg.depth_height, msg.depth_width)
    np.testing.assert_array_equal(depth, expected.model_frame)
    if _has_markers():
        assert wait_for(lambda: bool(graph["received"]["markers"])), "no candidate markers arrived"
        markers = graph["received"]["markers"][-1].markers
        assert len(markers) == 25 and all(m.header.frame_id == FRAME_ID for m in markers)
        scores = [m.color.g for m in markers]
        assert max(scores) > 0 and all(len(m.points) == 2 for m in markers)


def _has_markers() -> bool:
    try:
        import visualization_msgs.msg  # noqa: F401
    except ImportError:
        return False
    return True


def test_wrong_encoding_and_nan_frames_are_refused_and_the_node_keeps_going(graph: dict[str, Any]) -> None:
    node, encoded = graph["node"], graph["received"]["encoded"]
    assert publish_until(graph, image_msg(scene(), now_ns(node)), 1) is not None
    seen = len(encoded)
    wrong = image_msg(scene(), now_ns(node), encoding="32FC1")
    wrong.encoding = "rgb8"
    nan = image_msg(np.full((64, 64), np.nan, np.float32), now_ns(node))
    for _ in range(5):
        graph["images"].publish(wrong)
        graph["images"].publish(nan)
        time.sleep(0.05)
    time.sleep(0.5)
    assert len(encoded) == seen, "a refused frame was published"
    good = publish_until(graph, image_msg(scene(shift=8), now_ns(node)), seen + 1)
    assert good is not None, "the node stopped encoding after refused frames"
    features = np.asarray(good.features, dtype=np.float32).reshape(list(good.shape))
    np.testing.assert_array_equal(features, FrameEncoder(SHIPPED).encode(scene(shift=8)).features)
    head = HeadScorer(SHIPPED)
    assert head.score(features, np.zeros((1, 4))).shape == (1,)


def test_unusable_model_is_a_parameter_error(tmp_path: Path) -> None:
    from grasp_perception.ros.perception_node import PerceptionNode

    bad = tmp_path / "not_a_model.onnx"
    bad.write_bytes(b"no")
    rclpy.init()
    try:
        with pytest.raises(ParameterError, match=r"not_a_model\.onnx"):
            PerceptionNode(parameter_overrides=[Parameter("model_path", value=str(bad))])
        with pytest.raises(ParameterError, match="marker_rate_hz"):
            PerceptionNode(parameter_overrides=[Parameter("marker_rate_hz", value=-1.0)])
    finally:
        rclpy.try_shutdown()


def test_without_visualization_msgs_the_node_runs_without_markers(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from grasp_perception.ros.perception_node import PerceptionNode

    monkeypatch.setitem(sys.modules, "visualization_msgs.msg", None)  # import fails
    rclpy.init()
    try:
        node = PerceptionNode(parameter_overrides=[Parameter("model_path", value=str(SHIPPED))])
        assert node.marker_pub is None
        node.destroy_node()
    finally:
        rclpy.try_shutdown()
