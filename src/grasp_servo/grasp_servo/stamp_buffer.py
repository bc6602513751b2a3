"""A bounded, stamp-ordered buffer: find the sample nearest a time stamp, within a tolerance.

Both the servo node (which gripper pose was a frame taken at?) and the collector (which pose and frame
belong to a motion command?) pair streams by stamp with this one structure. Stamps are integer nanoseconds.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class StampBuffer(Generic[T]):
    """The ``capacity`` newest (stamp_ns, item) pairs, kept sorted by stamp; a repeated stamp replaces."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self._stamps: list[int] = []
        self._items: list[T] = []

    def __len__(self) -> int:
        return len(self._stamps)

    def __iter__(self) -> Iterator[tuple[int, T]]:
        return iter(zip(self._stamps, self._items, strict=True))

    def add(self, stamp_ns: int, item: T) -> None:
        """Insert ``item`` at ``stamp_ns``; the oldest entries go once the buffer is full."""
        stamp_ns = int(stamp_ns)
        index = bisect.bisect_left(self._stamps, stamp_ns)
        if index < len(self._stamps) and self._stamps[index] == stamp_ns:
            self._items[index] = item
            return
        self._stamps.insert(index, stamp_ns)
        self._items.insert(index, item)
        if len(self._stamps) > self.capacity:
            del self._stamps[0], self._items[0]

    def clear(self) -> None:
        self._stamps.clear()
        self._items.clear()

    def latest(self) -> tuple[int, T] | None:
        """The newest (stamp_ns, item), or None when empty."""
        return (self._stamps[-1], self._items[-1]) if self._stamps else None

    def exact(self, stamp_ns: int) -> T | None:
        """The item stamped exactly ``stamp_ns``, or None."""
        index = bisect.bisect_left(self._stamps, int(stamp_ns))
        if index < len(self._stamps) and self._stamps[index] == stamp_ns:
            return self._items[index]
        return None

    def pop_exact(self, stamp_ns: int) -> T | None:
        """Remove and return the item stamped exactly ``stamp_ns``, or None."""
        index = bisect.bisect_left(self._stamps, int(stamp_ns))
        if index < len(self._stamps) and self._stamps[index] == stamp_ns:
            del self._stamps[index]
            return self._items.pop(index)
        return None

    def nearest(self, stamp_ns: int, tolerance_ns: int) -> tuple[int, T] | None:
        """The (stamp_ns, item) closest to ``stamp_ns`` if within ``tolerance_ns``; ties go to the earlier."""
        if not self._stamps:
            return None
        index = bisect.bisect_left(self._stamps, int(stamp_ns))
        candidates = [i for i in (index - 1, index) if 0 <= i < len(self._stamps)]
        best = min(candidates, key=lambda i: (abs(self._stamps[i] - stamp_ns), self._stamps[i]))
        if abs(self._stamps[best] - stamp_ns) > tolerance_ns:
            return None
        return self._stamps[best], self._items[best]

    def has_at_or_after(self, stamp_ns: int) -> bool:
        """Whether an entry stamped ``stamp_ns`` or later exists (a nearest match can no longer improve)."""
        return bool(self._stamps) and self._stamps[-1] >= stamp_ns

    def first_after(self, stamp_ns: int) -> tuple[int, T] | None:
        """The oldest (stamp_ns, item) stamped strictly after ``stamp_ns``, or None."""
        index = bisect.bisect_right(self._stamps, int(stamp_ns))
        return (self._stamps[index], self._items[index]) if index < len(self._stamps) else None
