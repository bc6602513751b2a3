"""Episode split, metrics and a tiny training run on synthetic, learnable data."""

from __future__ import annotations

import numpy as np
import pytest
from grasp_perception.metrics import accuracy, roc_auc
from grasp_perception.split import split_by_episode


def test_split_keeps_episodes_whole_and_is_seeded() -> None:
    keys = np.repeat(np.arange(40), 5)
    train, val = split_by_episode(keys, 0.15, seed=3)
    assert len(train) + len(val) == len(keys)
    assert not set(keys[train]) & set(keys[val])
    assert len(set(keys[val])) == 6
    np.testing.assert_array_equal(val, split_by_episode(keys, 0.15, seed=3)[1])
    assert not np.array_equal(val, split_by_episode(keys, 0.15, seed=4)[1])
    assert len(split_by_episode(np.zeros(5), 0.15)[1]) == 0  # a single episode cannot be split


def test_roc_auc_matches_pairwise_counting() -> None:
    rng = np.random.default_rng(0)
    labels = rng.random(300) < 0.3
    scores = np.round(rng.random(300) + 0.5 * labels, 1)  # many ties
    pos, neg = scores[labels], scores[~labels]
    pairwise = ((pos[:, None] > neg[None]).sum() + 0.5 * (pos[:, None] == neg[None]).sum()) / (len(pos) * len(neg))
    assert roc_auc(labels, scores) == pytest.approx(pairwise)
    assert roc_auc([0, 1], [0.1, 0.9]) == 1.0
    assert np.isnan(roc_auc([1, 1], [0.2, 0.3]))
    assert accuracy([1, 0, 1], [0.9, 0.2, 0.4]) == pytest.approx(2 / 3)


def test_tiny_training_learns_the_synthetic_rule(trained) -> None:
    model, report, config = trained
    assert report.n_train + report.n_val == 1600 and report.val_episodes == 30
    assert 0.3 < report.train_positive_fraction < 0.8
    assert len(report.epochs) == config.epochs
    best = report.best
    assert best is not None and best.val_loss == min(e.val_loss for e in report.epochs)
    assert best.val_auc > 0.75, [round(e.val_auc, 3) for e in report.epochs]
    assert all(e.samples_per_s > 0 for e in report.epochs)
    assert not model.training


def test_contract_from_training_records_provenance(trained) -> None:
    from grasp_perception.train import build_contract

    _, report, config = trained
    contract = build_contract(config, report, training_command="pytest", data_description="synthetic")
    contract.validate()
    assert (contract.image.height, contract.image.width) == (32, 32)
    assert contract.provenance.dataset_sizes["val_episodes"] == 30
    assert contract.provenance.metrics["val_auc"] > 0.75
    assert contract.provenance.torch_version
    assert contract.to_json()  # serialisable


def test_training_input_is_checked() -> None:
    pytest.importorskip("torch")
    from grasp_perception.train import TrainConfig, train_grasp_model

    images = np.full((4, 32, 32), 0.4, dtype=np.float32)
    with pytest.raises(ValueError, match="sample counts differ"):
        train_grasp_model(images, np.zeros((3, 4)), np.zeros(4), np.arange(4), TrainConfig(input_size=32))
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        train_grasp_model(images, np.zeros((4, 4)), np.full(4, 0.5), np.arange(4), TrainConfig(input_size=32))


@pytest.mark.parametrize(
    "overrides",
    [
        {"pos_weight": "auto", "lr_schedule": "step", "step_epochs": 1},
        {"pos_weight": 2.0, "lr_schedule": "constant", "augment_flips": False},
        {"val_fraction": 0.0},
    ],
)
def test_training_options_run(overrides: dict) -> None:
    pytest.importorskip("torch")
    from grasp_perception.synthetic import make_synthetic_grasps
    from grasp_perception.train import TrainConfig, train_grasp_model

    data = make_synthetic_grasps(n_episodes=12, steps_per_episode=4, size=32, seed=1)
    config = TrainConfig(epochs=2, batch_size=16, input_size=32, width=8, hidden=16, torch_threads=1, **overrides)
    _, report = train_grasp_model(data.images, data.motions, data.labels, data.episode_keys, config, progress=True)
    assert len(report.epochs) == 2 and report.best is not None
    if config.val_fraction == 0:
        assert report.n_val == 0 and report.best_epoch == 1 and report.metrics()["val_auc"] is None
    if config.pos_weight == "auto":
        positives = report.train_positive_fraction
        assert report.pos_weight == pytest.approx((1 - positives) / positives)
    if config.lr_schedule == "step":
        assert report.epochs[1].lr == pytest.approx(config.lr * config.step_gamma)
