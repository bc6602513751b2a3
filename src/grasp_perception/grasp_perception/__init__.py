"""Wrist depth preprocessing, the grasp CNN, training, ONNX export and the ONNX Runtime scorer.

Runtime (numpy, OpenCV, ONNX Runtime only): ``preprocess``, ``action_encoding``, ``augment``, ``contract``,
``scorer``, ``benchmark``, ``metrics``, ``split``, ``synthetic``.
Training extra (torch): ``network``, ``train``, ``export``.
"""
