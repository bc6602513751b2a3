"""The rclpy ``Node`` base class when ROS 2 is installed, ``object`` otherwise, so node modules import anywhere.

Shared by every grasp node (grasp_perception is the package the others already depend on).
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
    """Raise a clear error when rclpy is missing (the nodes need ROS 2; the cores do not)."""
    if not ROS_AVAILABLE:
        raise RuntimeError("rclpy is not installed: source a ROS 2 Jazzy workspace to run the grasp nodes")


def run_node(
    name: str,
    make_node: Callable[[], Any],
    expected_errors: tuple[type[BaseException], ...],
    spin: Callable[[Any], None] | None = None,
    close: Callable[[Any], None] | None = None,
    args: list[str] | None = None,
) -> None:
    """The ``main`` of a node: init, build, spin until Ctrl-C / SIGTERM / shutdown, then close in order.

    An expected error (a bad parameter, an existing bag) is logged as one fatal line and exits with 1, no
    traceback. While closing, further SIGINT / SIGTERM are ignored: a terminal's Ctrl-C reaches a node twice
    under ``ros2 launch`` (from the terminal and forwarded by launch), and the second must not cut the closing
    of a bag or of MoveIt short.
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
        (spin or rclpy.spin)(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except expected_errors as error:
        get_logger(name).fatal(str(error))
        failed = True
    finally:
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop_signal, signal.SIG_IGN)
        if node is not None:
            if close is not None:
                close(node)
            node.destroy_node()
        rclpy.try_shutdown()
    if failed:
        sys.exit(1)


__all__ = ["ROS_AVAILABLE", "Node", "require_rclpy", "run_node"]
