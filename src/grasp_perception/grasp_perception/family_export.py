"""ONNX export of any model family's network with its contract, checked against PyTorch with ONNX Runtime.

The graph's input and output names come from the contract's target (``model_targets``); inputs whose first
dimension is the contract's symbolic batch stay dynamic. ``export_onnx`` (the success CNN) keeps its own
exporter; every other family goes through ``export_family_model``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

from grasp_perception.contract import BATCH_DIM, ModelContract
from grasp_perception.export import DEFAULT_ATOL, DEFAULT_OPSET, OnnxMismatchError

EXAMPLE_BATCH = 8


def example_inputs(contract: ModelContract, batch: int = EXAMPLE_BATCH, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random inputs shaped as the contract declares (symbolic dimensions set to ``batch``)."""
    generator = torch.Generator().manual_seed(seed)
    return {
        spec.name: torch.randn(*[d if isinstance(d, int) else batch for d in spec.shape], generator=generator)
        for spec in contract.inputs
    }


def export_family_model(
    model: nn.Module, path: str | Path, contract: ModelContract, opset: int = DEFAULT_OPSET, atol: float = DEFAULT_ATOL
) -> Path:
    """Write ``model`` (called with the contract's inputs, in order) to ``path`` with ``contract`` in its metadata.

    Raises:
        ModelContractError: the contract is not one this code implements.
        OnnxMismatchError: ONNX Runtime disagrees with PyTorch by more than ``atol``.
    """
    contract.validate()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.cpu().eval()
    inputs = example_inputs(contract)
    dynamic = {
        spec.name: {i: BATCH_DIM for i, d in enumerate(spec.shape) if not isinstance(d, int)}
        for spec in [*contract.inputs, *contract.outputs]
    }
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            tuple(inputs.values()),
            str(path),
            input_names=list(inputs),
            output_names=[spec.name for spec in contract.outputs],
            dynamic_axes={name: axes for name, axes in dynamic.items() if axes},
            opset_version=opset,
            dynamo=False,
        )
    proto = onnx.load(str(path))
    del proto.metadata_props[:]
    for key, value in contract.metadata().items():
        proto.metadata_props.add(key=key, value=value)
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    verify_family_export(model, path, contract, atol)
    return path


def verify_family_export(
    model: nn.Module, path: str | Path, contract: ModelContract, atol: float = DEFAULT_ATOL
) -> float:
    """Largest absolute difference between ONNX Runtime and PyTorch on random inputs of two batch sizes."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    worst = 0.0
    for batch in (1, 33):
        inputs = example_inputs(contract, batch, seed=batch)
        with torch.no_grad():
            expected = model(*inputs.values()).numpy()
        (actual,) = session.run(None, {name: tensor.numpy() for name, tensor in inputs.items()})
        if actual.shape != expected.shape:
            raise OnnxMismatchError(f"output shape: ONNX {actual.shape}, torch {expected.shape}")
        worst = max(worst, float(np.max(np.abs(actual - expected))))
    if worst > atol:
        raise OnnxMismatchError(f"ONNX output differs from torch by {worst:.3g} (> {atol:.1g})")
    return worst
