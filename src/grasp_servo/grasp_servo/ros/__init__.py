"""ROS 2 adapters of the servo: thin nodes over the plain cores (import-safe without rclpy)."""
