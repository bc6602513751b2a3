"""Wrist depth preprocessing, the grasp CNN, training, ONNX export and the ONNX Runtime scorer.

Runtime (numpy, OpenCV, ONNX Runtime only): ``preprocess``, ``action_encoding``, ``augment``, ``contract``,
``scorer``, ``benchmark``, ``metrics``, ``split``, ``synthetic``; cameras: ``camera_model`` (intrinsics,
mounts), ``reproject`` (any camera's frame into the model's camera, frame checks), ``overhead`` (a virtual
gripper above a table), ``score_map`` (score grids and their figures; matplotlib on demand), ``model_file``
(read / upgrade a model file's contract, onnx only); ``split_model`` (a model cut into the image encoder and
the head: ``FrameEncoder``, ``HeadScorer``), ``source_camera`` (a camera from CameraInfo fields and a mount),
``candidate_markers`` (the node's scored candidates, drawn).
ROS: ``ros.perception_node`` (the ``grasp_perception`` node; import-safe without ROS) over plain cores
(``ros.parameters``, ``ros.perception_core``).
Training extra (torch): ``network``, ``train``, ``export``.
"""
