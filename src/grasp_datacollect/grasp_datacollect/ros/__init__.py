"""ROS 2 adapter of the collector: a thin node over the plain recorder cores (import-safe without rclpy)."""
