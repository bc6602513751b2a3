"""The rclpy ``Node`` base class when ROS 2 is installed, ``object`` otherwise, so node modules import anywhere.

The same pattern as ``grasp_servo.ros.rclpy_guard`` (grasp_servo depends on grasp_perception, so it cannot
be imported from here).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from typing import Any

try:
    from rclpy.node import Node
except ImportError:  # no ROS 2 here: modules import, building a node raises a clear error
    Node = object  # type: ignore[assignment,misc]

ROS_AVAILABLE = Node is not object


def require_rclpy() -> None:
    """Raise a clear error when rclpy is missing (the node needs ROS 2; the cores do not)."""
    if not ROS_AVAILABLE:
        raise RuntimeError("rclpy is not installed: source a ROS 2 Jazzy workspace to run the perception node")


def run_node(
    name: str,
    make_node: Callable[[], Any],
    expected_errors: tuple[type[BaseException], ...],
    args: list[str] | None = None,
) -> None:
    """The ``main`` of a node: init, build, spin until Ctrl-C / SIGTERM / shutdown, then destroy.

    An expected error (a bad parameter, an unusable model) is one fatal log line and exit status 1.
    """
    require_rclpy()
    import rclpy
    from rclpy.executors import ExternalShutdownException
    from rclpy.logging import get_logger

    rclpy.init(args=args)
    node = None
    failed = False
    try:
        node = make_node()
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except expected_errors as error:
        get_logger(name).fatal(str(error))
        failed = True
    finally:
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop_signal, signal.SIG_IGN)
        if node is not None:
            node.destroy_node()
        rclpy.try_shutdown()
    if failed:
        sys.exit(1)


__all__ = ["ROS_AVAILABLE", "Node", "require_rclpy", "run_node"]
