"""Shared fixtures: one tiny trained model and one exported untrained model per test session.

Torch is imported inside the fixtures so the runtime tests also run where only the runtime is installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

TINY_WIDTH = 16


@pytest.fixture(scope="session")
def trained() -> tuple[Any, Any, Any]:
    """(model, report, config): a 32 px model trained a few epochs on synthetic 32 px frames (seconds)."""
    pytest.importorskip("torch")
    from grasp_perception.synthetic import make_synthetic_grasps
    from grasp_perception.train import TrainConfig, train_grasp_model

    data = make_synthetic_grasps(n_episodes=200, steps_per_episode=8, size=32, success_radius=0.04, seed=0)
    config = TrainConfig(epochs=8, batch_size=64, lr=3e-3, input_size=32, width=TINY_WIDTH, torch_threads=1, seed=0)
    model, report = train_grasp_model(data.images, data.motions, data.labels, data.episode_keys, config, progress=False)
    return model, report, config


@pytest.fixture(scope="session")
def exported_64(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """(model, path): an untrained 64 px model exported with the default contract."""
    pytest.importorskip("torch")
    from grasp_perception.contract import ModelContract
    from grasp_perception.export import export_onnx
    from grasp_perception.network import GraspSuccessNet

    model = GraspSuccessNet(64, width=TINY_WIDTH).eval()
    path = tmp_path_factory.mktemp("onnx") / "grasp_64.onnx"
    export_onnx(model, path, ModelContract())
    return model, path
