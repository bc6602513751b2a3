"""``grasp_perception`` node: wrist depth frames in, the model's image features out, for the servo's head.

Subscribes to the depth image (``depth_topic``, 32FC1 m or 16UC1 mm, sensor-data QoS) and its CameraInfo
(``camera_info_topic``); encodes every good frame with the image half of the scoring model and publishes
``grasp_interfaces/msg/EncodedFrame`` on ``/grasp/encoded_frame`` (BEST_EFFORT, KEEP_LAST 1; header copied
from the frame). Frames of a wrong encoding or size, without camera info, stale or degenerate are refused
with a throttled warning; the node stays up. With ``markers`` (and visualization_msgs installed) it scores a
5 x 5 grid of candidate motions with the head at ``marker_rate_hz`` and publishes them as arrows on
``/grasp/candidate_markers`` (see ``grasp_perception.candidate_markers`` for the approximations).

All logic is in ``PerceptionCore`` (plain Python); this module only converts messages. Import-safe
without ROS: rclpy and the messages are imported when the node is built.
"""

from __future__ import annotations

import array
from typing import Any

import numpy as np

from grasp_perception.contract import ModelContractError
from grasp_perception.ros.parameters import (
    NODE_NAME,
    PARAMS,
    TOPIC_CANDIDATE_MARKERS,
    TOPIC_ENCODED_FRAME,
    ParameterError,
    PerceptionParameters,
    perception_parameters,
)
from grasp_perception.ros.perception_core import FrameResult, PerceptionCore, ScoredCandidates
from grasp_perception.ros.rclpy_guard import Node, require_rclpy, run_node
from grasp_perception.split_model import FrameEncoder, HeadScorer, SplitModel

MARKER_NAMESPACE = "grasp_candidates"
NS_PER_S = 1_000_000_000


def stamp_ns(stamp: Any) -> int:
    return int(stamp.sec) * NS_PER_S + int(stamp.nanosec)


def declare(node: Any) -> PerceptionParameters:
    """Declare every parameter read-only with its description, then check them (ParameterError if bad)."""
    from rcl_interfaces.msg import ParameterDescriptor
    from rclpy.exceptions import InvalidParameterTypeException, InvalidParameterValueException
    from rclpy.parameter import Parameter

    values: dict[str, Any] = {}
    for param in PARAMS:
        descriptor = ParameterDescriptor(
            description=f"{param.description} (valid: {param.valid})", additional_constraints=param.valid,
            read_only=True,
        )
        default = Parameter.Type.DOUBLE_ARRAY if param.default is None else param.default
        try:
            values[param.name] = node.declare_parameter(param.name, default, descriptor).value
        except (InvalidParameterTypeException, InvalidParameterValueException) as refusal:
            raise ParameterError(f"parameter {param.name}: {' '.join(str(refusal).split())}; "
                                 f"valid: {param.valid}") from None
    return perception_parameters(values)


def load_model(params: PerceptionParameters) -> tuple[FrameEncoder, HeadScorer]:
    """The encoder and the marker head of the model named by the parameters (ParameterError if unusable)."""
    try:
        model = SplitModel(params.model_path)
    except FileNotFoundError as error:
        raise ParameterError(f"model_path: {error}") from None
    except ModelContractError as error:
        raise ParameterError(f"model_path is not a usable scoring model: {error}") from None
    encoder = FrameEncoder(model, params.threads, params.providers, params.reproject_oversampling)
    return encoder, HeadScorer(model, params.threads, params.providers)


class PerceptionNode(Node):  # type: ignore[misc,valid-type]
    """Thin adapter around ``PerceptionCore``."""

    def __init__(self, **node_kwargs: Any) -> None:
        require_rclpy()
        super().__init__(NODE_NAME, **node_kwargs)
        from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy, qos_profile_sensor_data
        from sensor_msgs.msg import CameraInfo, Image

        from grasp_interfaces.msg import EncodedFrame

        self._EncodedFrame = EncodedFrame
        self.params = params = declare(self)
        self.encoder, self.head = load_model(params)
        self.core = PerceptionCore(self.encoder, params.expected_encodings, params.max_frame_age_ns,
                                   params.camera_mount)
        self.throttle_s = params.warn_throttle_s
        self._reprojecting: bool | None = None
        self.encoded_pub = self.create_publisher(
            EncodedFrame, TOPIC_ENCODED_FRAME,
            QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT, history=HistoryPolicy.KEEP_LAST),
        )
        self.create_subscription(CameraInfo, params.camera_info_topic, self.on_camera_info, qos_profile_sensor_data)
        self.create_subscription(Image, params.depth_topic, self.on_image, qos_profile_sensor_data)
        self.marker_pub = self._marker_publisher() if params.markers else None
        model = self.encoder.model
        self.get_logger().info(
            f"perception ready: model {model.path} (sha256 {model.sha256[:12]}), features "
            f"{list(self.encoder.feature_shape)} at {model.graph.features!r}, providers "
            f"{','.join(self.encoder.providers)}; frames on {params.depth_topic}, camera info on "
            f"{params.camera_info_topic}; publishing {TOPIC_ENCODED_FRAME}"
            + (f" and {TOPIC_CANDIDATE_MARKERS}" if self.marker_pub is not None else "")
        )

    def _marker_publisher(self) -> Any:
        try:
            from visualization_msgs.msg import Marker, MarkerArray
        except ImportError:
            self.get_logger().warning("visualization_msgs is not installed: no candidate markers")
            return None
        self._Marker, self._MarkerArray = Marker, MarkerArray
        self.create_timer(1.0 / self.params.marker_rate_hz, self.publish_markers)
        return self.create_publisher(MarkerArray, TOPIC_CANDIDATE_MARKERS, 1)

    def now_ns(self) -> int:
        return int(self.get_clock().now().nanoseconds)

    def warn(self, text: str) -> None:
        self.get_logger().warning(text, throttle_duration_sec=self.throttle_s)

    def on_camera_info(self, msg: Any) -> None:
        problem = self.core.on_camera_info(msg.width, msg.height, msg.k, msg.header.frame_id)
        if problem is not None:
            self.warn(problem)
        elif self.core.reprojects != self._reprojecting:
            self._reprojecting = self.core.reprojects
            how = "reprojected into the model's camera" if self._reprojecting else "the model's camera: no reprojection"
            self.get_logger().info(f"camera {msg.width}x{msg.height}: frames are {how}")

    def on_image(self, msg: Any) -> None:
        try:
            result = self.core.on_image(msg, stamp_ns(msg.header.stamp), self.now_ns(), msg.header.frame_id)
        except Exception as error:  # never let one frame take the node down
            self.get_logger().error(f"encoding failed: {error}", throttle_duration_sec=self.throttle_s)
            return
        if not isinstance(result, FrameResult):
            self.warn(f"depth frame refused: {result.reason}")
            return
        self.encoded_pub.publish(self.encoded_message(msg.header, result))
        self.get_logger().debug(
            f"frame encoded: decode {1e3 * result.decode_seconds:.2f} ms, encoder {1e3 * result.encode_seconds:.2f} "
            f"ms{' (reprojected)' if result.reprojected else ''}, valid {result.encoded.valid_fraction:.2f}"
        )

    def encoded_message(self, header: Any, result: FrameResult) -> Any:
        msg = self._EncodedFrame()
        msg.header = header
        msg.model_sha256 = result.encoded.model_sha256
        msg.shape = [int(d) for d in result.encoded.features.shape]
        values = array.array("f")
        values.frombytes(result.encoded.features.astype("=f4", copy=False).tobytes())
        msg.features = values
        msg.valid_fraction = float(result.encoded.valid_fraction)
        frame = result.encoded.model_frame
        if frame is not None:
            msg.depth_height, msg.depth_width = (int(d) for d in frame.shape)
            depth = array.array("f")
            depth.frombytes(np.asarray(frame, dtype="=f4").tobytes())
            msg.depth = depth
        return msg

    def publish_markers(self) -> None:
        try:
            scored = self.core.score_candidates(self.head, self.params.marker_descend)
        except Exception as error:
            self.get_logger().error(f"scoring marker candidates failed: {error}", throttle_duration_sec=self.throttle_s)
            return
        if scored is not None and self.marker_pub is not None:
            self.marker_pub.publish(self.marker_array(scored))

    def marker_array(self, scored: ScoredCandidates) -> Any:
        from builtin_interfaces.msg import Duration
        from geometry_msgs.msg import Point

        from grasp_perception.candidate_markers import score_colour

        lifetime_ns = round(2 * NS_PER_S / self.params.marker_rate_hz)
        markers = self._MarkerArray()
        for index, (start, end, score) in enumerate(
            zip(scored.candidates.starts, scored.candidates.ends, scored.scores, strict=True)
        ):
            marker = self._Marker()
            marker.header.stamp.sec, marker.header.stamp.nanosec = divmod(scored.stamp_ns, NS_PER_S)
            marker.header.frame_id = scored.frame_id
            marker.ns, marker.id = MARKER_NAMESPACE, index
            marker.type, marker.action = self._Marker.ARROW, self._Marker.ADD
            marker.points = [Point(x=float(p[0]), y=float(p[1]), z=float(p[2])) for p in (start, end)]
            marker.pose.orientation.w = 1.0
            marker.scale.x, marker.scale.y, marker.scale.z = 0.004, 0.008, 0.01  # shaft, head diameter, head
            marker.color.r, marker.color.g, marker.color.b, marker.color.a = score_colour(float(score))
            marker.lifetime = Duration(sec=lifetime_ns // NS_PER_S, nanosec=lifetime_ns % NS_PER_S)
            markers.markers.append(marker)
        return markers


def main(args: list[str] | None = None) -> None:
    """``ros2 run grasp_perception perception_node``."""
    run_node(NODE_NAME, PerceptionNode, (ParameterError,), args=args)


if __name__ == "__main__":
    main()
