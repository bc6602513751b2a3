"""The shipped model on real depth frames (PrimeSense, PhoXi; ../shared/real-depth), and its contract.

The real frames are not part of the project (gqcnn's licence): these tests run where the folder exists
(``GRASP_REAL_DEPTH`` or ../shared/real-depth beside the checkout) and skip with a reason elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from grasp_perception.contract import CameraSpec
from grasp_perception.reproject import DegenerateFrameError
from grasp_perception.score_map import (
    load_intrinsics,
    object_cells,
    overhead_score_map,
    plot_score_maps,
    score_map,
)
from grasp_perception.scorer import OnnxGraspScorer

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "src" / "grasp_bringup" / "grasp_bringup" / "models" / "grasp_success.onnx"
REAL_DEPTH = Path(os.environ.get("GRASP_REAL_DEPTH", ROOT.parent / "shared" / "real-depth"))
REFERENCE_MOTIONS = np.array(
    [[0, 0, -0.265, 0], [0.02, -0.03, -0.265, 0.5], [-0.1, 0.05, -0.2, -1.0], [0.05, 0.0, -0.265, 1.2]]
)
FRAMES = {
    "primesense": [
        "single_object_primesense_depth_0.npy",
        "single_object_primesense_depth_3.npy",
        "clutter_primesense_depth_0.npy",
        "clutter_primesense_depth_1.npy",
    ],
    "phoxi": ["clutter_phoxi_depth_0.npy", "clutter_phoxi_depth_1.npy"],
}
CASES = [(sensor, name) for sensor, names in FRAMES.items() for name in names]

needs_shipped = pytest.mark.skipif(not SHIPPED.is_file(), reason=f"the shipped model is not at {SHIPPED}")
needs_real_depth = pytest.mark.skipif(
    not (REAL_DEPTH / "primesense.intr").is_file(),
    reason=f"the real depth frames are not here ({REAL_DEPTH}; set GRASP_REAL_DEPTH): they are not in the project",
)


@pytest.fixture(scope="module")
def scorer() -> OnnxGraspScorer:
    return OnnxGraspScorer(SHIPPED)


@needs_shipped
def test_shipped_model_has_the_version_2_contract_with_the_world_camera(scorer) -> None:
    contract = scorer.contract
    assert contract.contract_version == 2
    assert contract.camera == CameraSpec.embedded_wrist(64, 64)
    assert contract.camera.intrinsics().fov_deg == pytest.approx((70.0, 70.0))
    assert contract.camera.mount.translation == pytest.approx([0.0, 0.0, -0.058])
    assert not contract.camera.sees_gripper and contract.camera.noise == "none"
    assert contract.image.hole_fill == "constant"
    assert contract.provenance.rounds >= 2  # the rest of the contract kept


@needs_shipped
@needs_real_depth
@pytest.mark.parametrize(("sensor", "name"), CASES, ids=[name.removesuffix(".npy") for _, name in CASES])
def test_real_frames_as_they_come_are_degenerate_and_reprojected_are_not(scorer, sensor, name) -> None:
    raw = np.load(REAL_DEPTH / name)[..., 0]
    intrinsics = load_intrinsics(REAL_DEPTH / f"{sensor}.intr")
    # As they come: the table is ~0.8 m away, beyond the model's 0.6 m clip (the old 0.000 for everything).
    assert scorer.assess(raw).degenerate
    with pytest.raises(ValueError, match="squash"):
        scorer.score(raw, REFERENCE_MOTIONS)  # 4:3 frames are not resized into the square camera
    with pytest.raises(DegenerateFrameError):
        score_map(scorer, raw[:, : raw.shape[0]])
    result = overhead_score_map(scorer, raw, intrinsics)
    assert 5.0 < result.view.table.tilt_deg < 20.0 and 0.7 < result.view.axis_distance < 0.85
    assert not result.quality.degenerate and result.quality.holes < 0.1
    # The table, the farthest surface, is seen 0.338 m away (start height + camera offset), the objects nearer.
    finite = result.frame[np.isfinite(result.frame)]
    assert np.percentile(finite, 90) == pytest.approx(0.338, abs=0.003)
    stats = result.scores.stats()
    print(f"{name}: scores min {stats['min']:.3f} max {stats['max']:.3f} mean {stats['mean']:.3f} "
          f"std {stats['std']:.3f}; holes {result.quality.holes:.1%}")
    assert stats["std"] > 0.02 and stats["max"] - stats["min"] > 0.2  # not constant
    assert stats["min"] >= 0.0 and stats["max"] <= 1.0


@needs_shipped
@needs_real_depth
@pytest.mark.parametrize(("sensor", "name"), CASES, ids=[name.removesuffix(".npy") for _, name in CASES])
def test_objects_score_higher_than_the_bare_table(sensor, name) -> None:
    """Grasps over objects beat grasps on the bare table, with either hole filling; with the holes inpainted
    the best grasp of every frame lies over an object (with the contract's constant fill, holes beside
    near obstacles read as pits and can attract it)."""
    raw = np.load(REAL_DEPTH / name)[..., 0]
    intrinsics = load_intrinsics(REAL_DEPTH / f"{sensor}.intr")
    for hole_fill in ("constant", "inpaint"):
        scorer = OnnxGraspScorer(SHIPPED, hole_fill=hole_fill)
        result = overhead_score_map(scorer, raw, intrinsics)
        best = result.scores.best
        on_object = object_cells(result.scores, result.frame, scorer.camera, table=0.338)
        assert 0.01 < on_object.mean() < 0.99
        assert best[on_object].mean() > best[~on_object].mean() + 0.02, hole_fill
        if hole_fill == "inpaint":
            assert on_object.flat[np.argmax(best)], "the best grasp is not over an object"


@needs_shipped
@needs_real_depth
def test_score_map_figure_is_written(scorer, tmp_path: Path) -> None:
    raw = np.load(REAL_DEPTH / FRAMES["phoxi"][0])[..., 0]
    result = overhead_score_map(scorer, raw, load_intrinsics(REAL_DEPTH / "phoxi.intr"), half_width=0.05)
    path = plot_score_maps([("phoxi", raw, result)], scorer.camera, tmp_path / "map.png")
    assert path.stat().st_size > 10_000
