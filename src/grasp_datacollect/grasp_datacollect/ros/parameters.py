"""ROS parameters of the collector node: the ``ParamSpec`` table and its plain-Python check (no rclpy).

``collector_parameters`` turns raw parameter values into what the node builds its recorder and step
assembler from, and raises ``ParameterError`` (one line: the parameter, its value, the valid range) for a
value outside its range; the node logs that line as a fatal error and exits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grasp_servo.ros.parameters import NS_PER_S, ROS_NAME, ParamSpec, TextRule, check_parameters

from grasp_datacollect.bag_types import TOPIC_DEPTH_IMAGE
from grasp_datacollect.bag_writer import COMPRESSIONS

BAG_PATH = TextRule(
    "empty, or a path that does not exist yet (checked when the bag is opened)", lambda value: "\0" not in value
)

COLLECTOR_SPECS = [
    ParamSpec("bag_path", "", "new bag folder to record into (must not exist); empty = "
              "grasp_bags/episodes_<date>_<time> in the working directory", text=BAG_PATH),
    ParamSpec("compression", "", "MCAP chunk compression: empty (none) or zstd", choices=("", *COMPRESSIONS)),
    ParamSpec("state_tolerance_s", 0.05, "a step's gripper state must be stamped within this of its frame",
              low=0.001, high=10.0),
    ParamSpec("frame_buffer", 64, "depth frames kept while waiting for their motion command", low=1, high=100_000),
    ParamSpec("state_buffer", 1024, "gripper states kept for pairing", low=1, high=1_000_000),
    ParamSpec("depth_topic", TOPIC_DEPTH_IMAGE, "wrist depth image topic (recorded as the bag's image topic)",
              text=ROS_NAME),
]


@dataclass(frozen=True)
class CollectorParameters:
    """The checked parameters of the collector node."""

    values: dict[str, Any]
    bag_path: Path | None  # None: grasp_bags/episodes_<date>_<time>
    compression: str | None
    state_tolerance_ns: int
    frame_capacity: int
    state_capacity: int
    depth_topic: str


def collector_parameters(values: Mapping[str, Any]) -> CollectorParameters:
    """Check the collector node's parameters (missing ones take their defaults); ParameterError, one line.

    An existing ``bag_path`` is refused later, when the bag is opened (FileExistsError).
    """
    checked = check_parameters(COLLECTOR_SPECS, values)
    return CollectorParameters(
        values=checked,
        bag_path=Path(checked["bag_path"]) if checked["bag_path"] else None,
        compression=checked["compression"] or None,
        state_tolerance_ns=round(checked["state_tolerance_s"] * NS_PER_S),
        frame_capacity=checked["frame_buffer"],
        state_capacity=checked["state_buffer"],
        depth_topic=checked["depth_topic"],
    )
