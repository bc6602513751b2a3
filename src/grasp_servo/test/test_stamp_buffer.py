"""StampBuffer: nearest-stamp pairing used by the servo and collector nodes."""

from __future__ import annotations

import pytest
from grasp_servo.stamp_buffer import StampBuffer


def test_nearest_within_tolerance_prefers_closest_then_earlier() -> None:
    buffer: StampBuffer[str] = StampBuffer(10)
    for stamp in (100, 200, 300):
        buffer.add(stamp, f"s{stamp}")
    assert buffer.nearest(190, 20) == (200, "s200")
    assert buffer.nearest(250, 60) == (200, "s200")  # tie between 200 and 300 goes to the earlier
    assert buffer.nearest(250, 40) is None
    assert buffer.nearest(1000, 10) is None


def test_out_of_order_insert_and_replacement() -> None:
    buffer: StampBuffer[int] = StampBuffer(10)
    buffer.add(300, 3)
    buffer.add(100, 1)
    buffer.add(200, 2)
    buffer.add(200, 22)
    assert list(buffer) == [(100, 1), (200, 22), (300, 3)]
    assert buffer.latest() == (300, 3)
    assert buffer.exact(200) == 22 and buffer.exact(250) is None


def test_capacity_drops_oldest() -> None:
    buffer: StampBuffer[int] = StampBuffer(2)
    for stamp in (1, 2, 3):
        buffer.add(stamp, stamp)
    assert [s for s, _ in buffer] == [2, 3]


def test_helpers() -> None:
    buffer: StampBuffer[int] = StampBuffer(5)
    assert buffer.latest() is None and buffer.nearest(0, 100) is None and not buffer.has_at_or_after(0)
    buffer.add(10, 1)
    buffer.add(20, 2)
    assert buffer.has_at_or_after(20) and not buffer.has_at_or_after(21)
    assert buffer.first_after(10) == (20, 2) and buffer.first_after(20) is None
    assert buffer.pop_exact(10) == 1 and len(buffer) == 1
    buffer.clear()
    assert len(buffer) == 0


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        StampBuffer(0)
