"""The simulated robot on ROS 2 (node modules import without ROS; rclpy is imported when a node is built)."""
