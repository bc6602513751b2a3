"""GG-CNN, the VQ-VAE and the semi-supervised GG-CNN (seed 002): shapes, tiny trainings on synthetic boxes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from grasp_perception.ggcnn import GGCNN, GGCNNHead  # noqa: E402
from grasp_perception.ggcnn_training import (  # noqa: E402
    GGCNNTrainConfig,
    VQVAETrainConfig,
    predict_maps,
    predict_rectangles,
    train_ggcnn,
    train_vqvae,
)
from grasp_perception.grasp_maps import GraspMapSpec, render_grasp_maps_batch  # noqa: E402
from grasp_perception.grasp_rectangles import GraspRectangle, rectangle_accuracy  # noqa: E402
from grasp_perception.torch_threads import torch_threads  # noqa: E402
from grasp_perception.vqvae import VQVAE, SemiSupervisedGGCNN  # noqa: E402

SIZE = 32
SPEC = GraspMapSpec(max_width=SIZE / 2)


def make_boxes(n: int, size: int = SIZE, seed: int = 0) -> tuple[np.ndarray, list[list[GraspRectangle]]]:
    """Frames of a flat table (1.0) with one nearer rotated box, and three grasps across its short side."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64)
    images = np.empty((n, size, size), np.float32)
    truths = []
    for index in range(n):
        angle = rng.uniform(-math.pi / 2, math.pi / 2)  # of the long side
        long_side, short_side = rng.uniform(10, 16), rng.uniform(4, 7)
        margin = size / 2 - long_side / 2 - 1
        row, col = rng.uniform(size / 2 - margin, size / 2 + margin, 2)
        d_row, d_col = math.sin(angle), math.cos(angle)
        along = (rows - row) * d_row + (cols - col) * d_col
        across = (cols - col) * d_row - (rows - row) * d_col
        box = (np.abs(along) <= long_side / 2) & (np.abs(across) <= short_side / 2)
        images[index] = 1.0 - rng.uniform(0.6, 1.4) * box + rng.normal(0.0, 0.02, (size, size))
        opening = short_side + 3
        truths.append(
            [
                GraspRectangle(row + t * d_row, col + t * d_col, angle + math.pi / 2, opening, opening / 2)
                for t in np.linspace(-long_side / 4, long_side / 4, 3)
            ]
        )
    return images, truths


@pytest.fixture(autouse=True)
def _one_thread() -> Any:
    with torch_threads(1):
        yield


@pytest.fixture(scope="module")
def boxes() -> tuple[np.ndarray, list[list[GraspRectangle]], np.ndarray]:
    images, truths = make_boxes(300, seed=0)
    return images, truths, render_grasp_maps_batch(truths, (SIZE, SIZE), SPEC)


@pytest.fixture(scope="module")
def vqvae_run(boxes) -> tuple[VQVAE, Any]:
    torch.set_num_threads(1)
    images = boxes[0][:200]
    return train_vqvae(images, VQVAETrainConfig(epochs=8, batch_size=32, torch_threads=1), progress=False)


def test_network_shapes() -> None:
    torch.manual_seed(0)
    for size in (32, 64, 96):
        assert GGCNN(size)(torch.zeros(2, 1, size, size)).shape == (2, 4, size, size)
    head = GGCNNHead(16, channels=(8, 16), kernels=(5, 9))
    assert head(torch.zeros(3, 16, 8, 8)).shape == (3, 4, 32, 32) and head.factor == 4
    with pytest.raises(ValueError, match="multiple of 8"):
        GGCNN(60)
    vqvae = VQVAE(32, codes=16, code_dim=8)
    reconstruction, codebook, commitment, indices = vqvae(torch.randn(2, 1, 32, 32))
    assert reconstruction.shape == (2, 1, 32, 32) and indices.shape == (2, 8, 8)
    assert codebook.ndim == 0 and commitment.ndim == 0 and int(indices.max()) < 16
    semi = SemiSupervisedGGCNN(vqvae)
    assert semi(torch.zeros(2, 1, 32, 32)).shape == (2, 4, 32, 32)


def test_vector_quantiser_straight_through_and_freezing() -> None:
    torch.manual_seed(0)
    vqvae = VQVAE(32, codes=16, code_dim=8)
    image = torch.randn(2, 1, 32, 32)
    reconstruction, codebook, commitment, indices = vqvae(image)
    z_e = vqvae.encoder(image)
    nearest = vqvae.quantizer.codebook.weight[indices].permute(0, 3, 1, 2)
    distances = ((z_e[:, None] - vqvae.quantizer.codebook.weight[None, :, :, None, None]) ** 2).sum(2)
    torch.testing.assert_close(((z_e - nearest) ** 2).sum(1), distances.min(1).values)  # nearest code
    torch.testing.assert_close(codebook, ((z_e - nearest) ** 2).mean())
    torch.testing.assert_close(commitment, vqvae.quantizer.beta * codebook)  # same value, other gradient
    ((reconstruction - image) ** 2).mean().backward()
    assert vqvae.encoder.net[0].weight.grad.abs().sum() > 0  # the reconstruction gradient reaches the encoder
    semi = SemiSupervisedGGCNN(vqvae).train()
    assert not semi.encoder.training and not semi.quantizer.training and semi.decoder.training
    assert not any(p.requires_grad for p in [*semi.encoder.parameters(), *semi.quantizer.parameters()])
    assert all(p.requires_grad for p in [*semi.decoder.parameters(), *semi.ggcnn.parameters()])


def test_exports_to_onnx_with_a_dynamic_batch() -> None:
    ort = pytest.importorskip("onnxruntime")
    torch.manual_seed(0)
    for model in (GGCNN(32).eval(), SemiSupervisedGGCNN(VQVAE(32, codes=16, code_dim=8)).eval()):
        program = torch.onnx.export(
            model,
            (torch.randn(2, 1, 32, 32),),
            input_names=["image"],
            output_names=["maps"],
            dynamo=True,
            dynamic_shapes=({0: torch.export.Dim("batch")},),
        )
        session = ort.InferenceSession(program.model_proto.SerializeToString(), providers=["CPUExecutionProvider"])
        image = torch.randn(3, 1, 32, 32)
        (out,) = session.run(None, {"image": image.numpy()})
        np.testing.assert_allclose(out, model(image).detach().numpy(), atol=1e-4)


def test_tiny_ggcnn_beats_an_untrained_one(boxes) -> None:
    images, truths, maps = boxes
    config = GGCNNTrainConfig(epochs=15, batch_size=16, maps=SPEC, val_fraction=0.1, torch_threads=1)
    model, report = train_ggcnn(images, maps, config, truths=truths, progress=False)
    assert (report.n_train, report.n_val, len(report.epochs)) == (270, 30, 15)
    assert report.epochs[-1].train_loss < 0.5 * report.epochs[0].train_loss
    assert report.best is not None and report.best.val_accuracy == max(e.val_accuracy for e in report.epochs)
    test_images, test_truths = make_boxes(100, seed=1)
    trained = rectangle_accuracy(predict_rectangles(model, test_images, SPEC), test_truths)
    torch.manual_seed(0)
    untrained = rectangle_accuracy(predict_rectangles(GGCNN(SIZE).eval(), test_images, SPEC), test_truths)
    assert trained >= 0.6 and trained > untrained + 0.4, (trained, untrained)
    assert not model.training


def test_training_is_deterministic_given_the_seed(boxes) -> None:
    images, truths, maps = boxes
    config = GGCNNTrainConfig(epochs=2, batch_size=16, maps=SPEC, torch_threads=1, seed=3)
    runs = [train_ggcnn(images[:64], maps[:64], config, truths=truths[:64], progress=False) for _ in range(2)]
    assert [e.train_loss for e in runs[0][1].epochs] == [e.train_loss for e in runs[1][1].epochs]
    np.testing.assert_array_equal(predict_maps(runs[0][0], images[:4]), predict_maps(runs[1][0], images[:4]))
    with pytest.raises(ValueError, match="maps must have shape"):
        train_ggcnn(images[:8], maps[:7], config, progress=False)


def test_vqvae_reconstruction_improves(vqvae_run) -> None:
    model, report = vqvae_run
    first, last = report.epochs[0], report.epochs[-1]
    assert last.val_reconstruction < 0.5 * first.val_reconstruction, [e.val_reconstruction for e in report.epochs]
    assert last.train_reconstruction < first.train_reconstruction
    assert report.best_epoch >= 0 and last.codes_used >= 1 and last.perplexity >= 1.0
    assert not model.training


def test_semi_supervised_ggcnn_runs_end_to_end(boxes, vqvae_run) -> None:
    images, truths, maps = boxes
    vqvae, _ = vqvae_run
    before = {key: value.clone() for key, value in vqvae.state_dict().items()}
    labelled = slice(200, 240)  # a small labelled set, not used by the pretraining above
    config = GGCNNTrainConfig(epochs=3, batch_size=8, maps=SPEC, val_fraction=0.2, torch_threads=1)
    model, report = train_ggcnn(
        images[labelled], maps[labelled], config, encoder=vqvae, truths=truths[labelled], progress=False
    )
    assert isinstance(model, SemiSupervisedGGCNN) and report.model == "semi_supervised_ggcnn"
    assert report.trainable_parameters < sum(p.numel() for p in model.parameters())
    assert (report.n_train, report.n_val) == (32, 8) and all(np.isfinite(e.val_loss) for e in report.epochs)
    state = model.state_dict()
    for key, value in before.items():
        torch.testing.assert_close(vqvae.state_dict()[key], value)  # the pretrained model is left alone
        if key.startswith(("encoder.", "quantizer.")):
            torch.testing.assert_close(state[key], value)  # frozen
    assert any(not torch.equal(state[k], v) for k, v in before.items() if k.startswith("decoder."))  # fine-tuned
    predictions = predict_rectangles(model, images[:5], SPEC)
    assert len(predictions) == 5 and all(isinstance(p, GraspRectangle) for p in predictions)
