"""An rclpy ActionClient that may be called from any thread while a MultiThreadedExecutor spins it.

rclpy's ActionClient (Jazzy) sends a goal, result or cancel request and only then files the future under the
request's sequence number; an executor thread that takes the response in between drops it ("Ignoring
unexpected goal response") and the caller waits forever. Seen here under load: a gripper close whose
response was lost, so the attempt ended without a label. This subclass holds one lock across each send and
across the processing of responses, so a response is always processed after its future is filed.
"""

from __future__ import annotations

import threading
import time
from typing import Any


def locked_action_client(node: Any, action_type: Any, name: str, **kwargs: Any) -> Any:
    """An ``rclpy.action.ActionClient`` whose sends and response processing exclude each other."""
    from rclpy.action import ActionClient

    class LockedActionClient(ActionClient):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any, **kw: Any) -> None:
            self._request_lock = threading.RLock()
            super().__init__(*args, **kw)

        def send_goal_async(self, *args: Any, **kw: Any) -> Any:
            with self._request_lock:
                return super().send_goal_async(*args, **kw)

        def _get_result_async(self, goal_handle: Any) -> Any:
            with self._request_lock:
                return super()._get_result_async(goal_handle)

        def _cancel_goal_async(self, goal_handle: Any) -> Any:
            with self._request_lock:
                return super()._cancel_goal_async(goal_handle)

        async def execute(self, taken_data: Any) -> None:
            with self._request_lock:
                await super().execute(taken_data)

    return LockedActionClient(node, action_type, name, **kwargs)


def wait_future(future: Any, timeout_s: float, stop: threading.Event | None = None) -> Any:
    """The result of an rclpy future completed by another executor thread; None after ``timeout_s``, or as
    soon as ``stop`` is set or ROS shuts down (a node closing must not wait for an arm that will not answer).
    """
    import rclpy

    done = threading.Event()
    future.add_done_callback(lambda _: done.set())
    deadline = time.monotonic() + timeout_s
    while not done.wait(min(0.1, max(0.0, deadline - time.monotonic()))):
        if time.monotonic() >= deadline or (stop is not None and stop.is_set()) or not rclpy.ok():
            return None
    return future.result()
