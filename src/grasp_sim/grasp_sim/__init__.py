"""The embedded MuJoCo grasping world: UR5-class arm, parallel-jaw gripper, wrist depth camera, objects."""
