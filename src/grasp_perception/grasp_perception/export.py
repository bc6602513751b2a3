"""ONNX export of a ``GraspSuccessNet`` with its contract, checked against PyTorch with ONNX Runtime."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch

from grasp_perception.contract import ACTIONS_INPUT, BATCH_DIM, IMAGE_INPUT, OUTPUT_NAME, ModelContract
from grasp_perception.network import GraspSuccessNet

DEFAULT_OPSET = 18
DEFAULT_ATOL = 1e-4


class OnnxMismatchError(RuntimeError):
    """The exported graph does not reproduce the PyTorch model."""


def export_onnx(
    model: GraspSuccessNet,
    path: str | Path,
    contract: ModelContract,
    opset: int = DEFAULT_OPSET,
    atol: float = DEFAULT_ATOL,
    dynamo: bool = True,
) -> Path:
    """Export ``model`` to one ONNX file with ``contract`` in its metadata, then verify it.

    Inputs: ``image`` (1, 1, H, W) and ``actions`` (batch, 5); output ``success`` (batch,) probabilities.
    ``dynamo`` picks the torch.export-based exporter (default) or the legacy TorchScript one (faster to run).
    Raises ``OnnxMismatchError`` if ONNX Runtime disagrees with PyTorch by more than ``atol``.
    """
    contract.validate()
    size = (contract.image.height, contract.image.width)
    if size != (model.input_size, model.input_size):
        raise ValueError(f"contract image size {size} does not match the model input size {model.input_size}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.cpu().eval()
    image = torch.zeros(1, 1, *size)
    actions = torch.zeros(8, model.action_dim)
    names = {"input_names": [IMAGE_INPUT, ACTIONS_INPUT], "output_names": [OUTPUT_NAME]}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            dynamic = {"image": None, "actions": {0: torch.export.Dim(BATCH_DIM)}}
            torch.onnx.export(
                model,
                (image, actions),
                str(path),
                **names,
                dynamic_shapes=dynamic,
                opset_version=opset,
                dynamo=True,
                external_data=False,
                verbose=False,
            )
        else:
            dynamic_axes = {ACTIONS_INPUT: {0: BATCH_DIM}, OUTPUT_NAME: {0: BATCH_DIM}}
            torch.onnx.export(
                model,
                (image, actions),
                str(path),
                **names,
                dynamic_axes=dynamic_axes,
                opset_version=opset,
                dynamo=False,
            )
    proto = onnx.load(str(path))
    _rename_batch_dims(proto)
    del proto.metadata_props[:]
    for key, value in contract.metadata().items():
        proto.metadata_props.add(key=key, value=value)
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    verify_onnx_matches_torch(model, path, atol=atol)
    return path


def _rename_batch_dims(proto: onnx.ModelProto) -> None:
    """Give the dynamic batch dimension the contract's symbolic name on the graph inputs and outputs."""
    for value in [*proto.graph.input, *proto.graph.output]:
        for dim in value.type.tensor_type.shape.dim:
            if dim.HasField("dim_param"):
                dim.dim_param = BATCH_DIM


def verify_onnx_matches_torch(
    model: GraspSuccessNet,
    path: str | Path,
    batch_sizes: tuple[int, ...] = (1, 64),
    atol: float = DEFAULT_ATOL,
    seed: int = 0,
) -> float:
    """Compare ONNX Runtime (CPU) and PyTorch on random inputs; return the largest absolute difference."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    generator = torch.Generator().manual_seed(seed)
    model = model.cpu().eval()
    worst = 0.0
    for batch in batch_sizes:
        image = torch.randn(1, 1, model.input_size, model.input_size, generator=generator)
        actions = torch.randn(batch, model.action_dim, generator=generator)
        with torch.no_grad():
            expected = model(image, actions).numpy()
        (actual,) = session.run([OUTPUT_NAME], {IMAGE_INPUT: image.numpy(), ACTIONS_INPUT: actions.numpy()})
        if actual.shape != expected.shape:
            raise OnnxMismatchError(f"output shape: ONNX {actual.shape}, torch {expected.shape}")
        worst = max(worst, float(np.max(np.abs(actual - expected))))
    if worst > atol:
        raise OnnxMismatchError(f"ONNX output differs from torch by {worst:.3g} (> {atol:.1g})")
    return worst
