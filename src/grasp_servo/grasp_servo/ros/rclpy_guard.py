"""The rclpy ``Node`` base class when ROS 2 is installed, ``object`` otherwise, so node modules import anywhere."""

from __future__ import annotations

try:
    from rclpy.node import Node
except ImportError:  # no ROS 2 here: modules import, building a node raises a clear error
    Node = object  # type: ignore[assignment,misc]

ROS_AVAILABLE = Node is not object


def require_rclpy() -> None:
    """Raise a clear error when rclpy is missing (the nodes need ROS 2; the cores do not)."""
    if not ROS_AVAILABLE:
        raise RuntimeError("rclpy is not installed: source a ROS 2 Jazzy workspace to run the grasp nodes")


__all__ = ["ROS_AVAILABLE", "Node", "require_rclpy"]
