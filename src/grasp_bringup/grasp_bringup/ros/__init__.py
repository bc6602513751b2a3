"""ROS 2 nodes of grasp_bringup (import-safe without ROS)."""
