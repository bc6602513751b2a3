"""The perception node (``perception_node``) and its plain-Python cores (parameters, frame gate)."""
