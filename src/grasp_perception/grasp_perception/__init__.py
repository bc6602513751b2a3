"""Wrist depth preprocessing, the grasp CNN, training, ONNX export and the ONNX Runtime scorer."""
