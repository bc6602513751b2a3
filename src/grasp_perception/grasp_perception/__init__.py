"""Wrist depth preprocessing, the grasp CNN, training, ONNX export and the ONNX Runtime scorer.

Runtime (numpy, OpenCV, ONNX Runtime only): ``preprocess``, ``action_encoding``, ``augment``, ``contract``,
``scorer``, ``benchmark``, ``metrics``, ``split``, ``synthetic``; cameras: ``camera_model`` (intrinsics,
mounts), ``reproject`` (any camera's frame into the model's camera, frame checks), ``overhead`` (a virtual
gripper above a table), ``score_map`` (score grids and their figures; matplotlib on demand), ``model_file``
(read / upgrade a model file's contract, onnx only).
Training extra (torch): ``network``, ``train``, ``export``.
"""
