"""The collector node's parameter table and its check (no rclpy needed)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from grasp_datacollect.ros.parameters import COLLECTOR_SPECS, collector_parameters
from grasp_servo.ros.parameters import ParameterError, check_value, descriptor_fields

SPECS = {spec.name: spec for spec in COLLECTOR_SPECS}


def refusal(name: str, value: Any) -> str:
    with pytest.raises(ParameterError) as caught:
        collector_parameters({name: value})
    message = str(caught.value)
    assert "\n" not in message and f"parameter {name} = {value!r}" in message
    assert SPECS[name].range_text in message
    return message


def test_defaults_build() -> None:
    built = collector_parameters({})
    assert built.bag_path is None and built.compression is None
    assert built.state_tolerance_ns == 50_000_000 and built.frame_capacity == 64 and built.state_capacity == 1024
    assert built.depth_topic == "/wrist_camera/depth/image_raw"
    for spec in COLLECTOR_SPECS:
        assert check_value(spec, spec.default, strict_types=True) == spec.default
        assert descriptor_fields(spec)["read_only"] is True


def test_given_values_build(tmp_path: Path) -> None:
    built = collector_parameters({"bag_path": str(tmp_path / "bag"), "compression": "zstd", "state_tolerance_s": 0.1})
    assert built.bag_path == tmp_path / "bag" and built.compression == "zstd"
    assert built.state_tolerance_ns == 100_000_000


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [("state_tolerance_s", 0.001, 10.0), ("frame_buffer", 1, 100_000), ("state_buffer", 1, 1_000_000)],
)
def test_numeric_ranges(name: str, low: float, high: float) -> None:
    spec = SPECS[name]
    assert (spec.low, spec.high) == (low, high)
    assert collector_parameters({name: low}).values[name] == low
    assert collector_parameters({name: high}).values[name] == high
    if isinstance(low, int):
        for value in (low - 1, high + 1, -1):
            refusal(name, value)
        assert "wrong type" in refusal(name, float(low))
        assert descriptor_fields(spec)["integer_range"] == (low, high)
    else:
        for value in (0.0, math.nextafter(low, 0.0), math.nextafter(high, math.inf), -1.0, math.nan, math.inf):
            refusal(name, value)
        assert descriptor_fields(spec)["floating_point_range"] == (low, high)


def test_compression_is_none_or_zstd() -> None:
    for value in ("lz4", "ZSTD", "none"):
        refusal("compression", value)
    assert 'one of "", "zstd"' in SPECS["compression"].range_text


def test_depth_topic_must_be_a_ros_name() -> None:
    for value in ("", "depth image", "/a//b"):
        refusal("depth_topic", value)
    assert collector_parameters({"depth_topic": "/camera/depth"}).depth_topic == "/camera/depth"


def test_unknown_parameters_are_refused() -> None:
    with pytest.raises(ParameterError, match="unknown parameter frames"):
        collector_parameters({"frames": 64})
