"""Score maps: what a model says about a grid of grasp motions on one frame, and how to draw them.

For a frame of the model's camera (``scorer.camera``), ``score_map`` scores top-down grasps at every point of
a grid on the table: from the pinch point ``pinch_height`` above the table down to ``grasp_height``, each at
a few yaws. For frames of an overhead camera (no gripper pose known), ``overhead_score_map`` first places a
virtual gripper above the table (``grasp_perception.overhead``) and reprojects the frame into its camera.

Draw the figures of docs/embedded.md from gqcnn's real frames (kept outside the project, in
../shared/real-depth):

    python -m grasp_perception.score_map --model src/grasp_bringup/grasp_bringup/models/grasp_success.onnx \\
        --hole-fill both --intrinsics ../shared/real-depth/primesense.intr \\
        --out docs/images/real_depth_primesense.png \\
        ../shared/real-depth/single_object_primesense_depth_{0,3}.npy \\
        ../shared/real-depth/clutter_primesense_depth_{0,1}.npy

(and the same with phoxi.intr and clutter_phoxi_depth_{0,1}.npy for docs/images/real_depth_phoxi.png).

matplotlib is imported only by ``plot_score_maps``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from grasp_perception.camera_model import PinholeIntrinsics
from grasp_perception.overhead import WORLD_START_HEIGHT, OverheadView, overhead_view
from grasp_perception.reproject import DegenerateFrameError, FrameQuality, SourceCamera

if TYPE_CHECKING:
    from grasp_perception.contract import CameraSpec
    from grasp_perception.scorer import OnnxGraspScorer

GRASP_HEIGHT = 0.015  # metres: the pinch point's height above the table when the gripper closes (servo)


@dataclass(frozen=True)
class ScoreMap:
    """Scores of top-down grasps on a grid: ``scores[i, j, k]`` for dy = ``dy[i]``, dx = ``dx[j]``, yaw ``yaws[k]``.

    Rows run from +dy to -dy and columns from -dx to +dx, so the map has the orientation of the image
    (image columns along +dx, rows along -dy).
    """

    dx: np.ndarray
    dy: np.ndarray
    yaws: np.ndarray
    scores: np.ndarray
    pinch_height: float
    grasp_height: float

    @property
    def best(self) -> np.ndarray:
        """(n_dy, n_dx) best score over the yaws."""
        return self.scores.max(axis=-1)

    def stats(self) -> dict[str, float]:
        return {
            "min": float(self.scores.min()),
            "max": float(self.scores.max()),
            "mean": float(self.scores.mean()),
            "std": float(self.scores.std()),
        }


def motion_grid(
    half_width: float = 0.16,
    step: float = 0.01,
    n_yaws: int = 4,
    pinch_height: float = WORLD_START_HEIGHT,
    grasp_height: float = GRASP_HEIGHT,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(motions (N, 4), dx, dy, yaws): grasps at every grid point, ordered as ``ScoreMap.scores`` flattened."""
    count = round(half_width / step)
    dx = np.arange(-count, count + 1) * step
    dy = dx[::-1].copy()
    yaws = np.linspace(-np.pi / 2, np.pi / 2, n_yaws, endpoint=False)
    yy, xx, aa = np.meshgrid(dy, dx, yaws, indexing="ij")
    dz = np.full(xx.size, grasp_height - pinch_height)
    motions = np.column_stack([xx.ravel(), yy.ravel(), dz, aa.ravel()])
    return motions, dx, dy, yaws


def score_map(
    scorer: OnnxGraspScorer,
    frame: np.ndarray,
    pinch_height: float = WORLD_START_HEIGHT,
    grasp_height: float = GRASP_HEIGHT,
    half_width: float = 0.16,
    step: float = 0.01,
    n_yaws: int = 4,
) -> ScoreMap:
    """Scores of a grid of grasps for a frame of the model's camera; ``DegenerateFrameError`` if it is one."""
    quality = scorer.assess(frame)
    if quality.degenerate:
        raise DegenerateFrameError(quality.reason)
    motions, dx, dy, yaws = motion_grid(half_width, step, n_yaws, pinch_height, grasp_height)
    scores = scorer.score(frame, motions).reshape(len(dy), len(dx), len(yaws))
    return ScoreMap(dx, dy, yaws, scores, pinch_height, grasp_height)


def object_cells(
    scores: ScoreMap, frame: np.ndarray, camera: CameraSpec, table: float, above: float = 0.01
) -> np.ndarray:
    """(n_dy, n_dx) mask of grid cells over something at least ``above`` metres nearer than the ``table`` depth
    (within one pixel of the grasp point's pixel in the model-camera ``frame``)."""
    mount = np.linalg.inv(camera.mount.to_mount().matrix())
    depth_below = scores.pinch_height - scores.grasp_height
    mask = np.zeros((len(scores.dy), len(scores.dx)), dtype=bool)
    for i, dy in enumerate(scores.dy):
        for j, dx in enumerate(scores.dx):
            x, y, z = (mount @ np.array([dx, -dy, depth_below, 1.0]))[:3]
            col, row = round(camera.fx * x / z + camera.cx), round(camera.fy * y / z + camera.cy)
            window = frame[max(row - 1, 0) : row + 2, max(col - 1, 0) : col + 2]
            finite = window[np.isfinite(window)]
            mask[i, j] = finite.size > 0 and float(finite.min()) < table - above
    return mask


@dataclass(frozen=True)
class OverheadScores:
    """An overhead frame scored through a virtual gripper: the assumed view, the model-camera frame, the map."""

    view: OverheadView
    frame: np.ndarray  # the frame as the model's camera sees it from the virtual gripper
    quality: FrameQuality
    raw_quality: FrameQuality  # the frame as it comes, judged against the model's depth range
    scores: ScoreMap


def overhead_score_map(
    scorer: OnnxGraspScorer,
    depth: np.ndarray,
    intrinsics: PinholeIntrinsics,
    pinch_height: float = WORLD_START_HEIGHT,
    **grid: Any,
) -> OverheadScores:
    """Place a virtual gripper ``pinch_height`` above the table of an overhead frame, reproject, score a grid."""
    frame_in = np.asarray(depth, dtype=np.float32)
    if frame_in.ndim == 3 and frame_in.shape[-1] == 1:
        frame_in = frame_in[..., 0]
    view = overhead_view(frame_in, intrinsics, pinch_height)
    frame = scorer.reproject(frame_in, SourceCamera(intrinsics, view.mount))
    quality = scorer.assess(frame)
    if quality.degenerate:
        raise DegenerateFrameError(f"after reprojection into the model's camera: {quality.reason}")
    scores = score_map(scorer, frame, pinch_height=pinch_height, **grid)
    return OverheadScores(view, frame, quality, scorer.assess(frame_in), scores)


def load_intrinsics(path: str | Path) -> PinholeIntrinsics:
    """Pinhole intrinsics from JSON: gqcnn's ``.intr`` (``_fx``, ``_cx``, ...), plain ``fx``/``cx``/width/height,
    or CameraInfo-like ``k`` (9 numbers) with width and height."""
    data = json.loads(Path(path).read_text())
    values = {key.lstrip("_").lower(): value for key, value in data.items()}
    if isinstance(values.get("k"), list):
        return PinholeIntrinsics.from_k(values["k"], int(values["width"]), int(values["height"]))
    try:
        return PinholeIntrinsics(
            int(values["width"]), int(values["height"]), float(values["fx"]), float(values["fy"]),
            float(values["cx"]), float(values["cy"]),
        )
    except KeyError as error:
        raise ValueError(f"{path}: intrinsics need fx, fy, cx, cy, width and height (missing {error})") from None


def _grid_extent(scores: ScoreMap, camera: CameraSpec) -> list[float]:
    """Image coordinates (left, right, bottom, top) of the grid's outer cell edges, for ``imshow``."""
    mount = camera.mount.to_mount().matrix()
    depth_below = scores.pinch_height - scores.grasp_height
    half = (scores.dx[1] - scores.dx[0]) / 2 if len(scores.dx) > 1 else 0.005

    def pixel(dx: float, dy: float) -> tuple[float, float]:
        tool = np.array([dx, -dy, depth_below, 1.0])  # pinch frame: y = -motion y, z down
        x, y, z = (np.linalg.inv(mount) @ tool)[:3]
        return camera.fx * x / z + camera.cx, camera.fy * y / z + camera.cy

    left, top = pixel(scores.dx[0] - half, scores.dy[0] + half)
    right, bottom = pixel(scores.dx[-1] + half, scores.dy[-1] - half)
    return [left - 0.5, right - 0.5, bottom - 0.5, top - 0.5]


def plot_score_maps(
    panels: Sequence[tuple[str, np.ndarray, OverheadScores | Sequence[tuple[str, OverheadScores]]]],
    camera: CameraSpec,
    path: str | Path,
    near: float = 0.0,
    far: float = 0.6,
) -> Path:
    """One row per frame: the frame as it comes, the model camera's view, and the best score over yaws on it.

    A panel's third item is one ``OverheadScores`` or several ``(label, OverheadScores)`` of the same frame
    (for example with the two hole fillings): one score column each.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [(title, raw, [("", results)] if isinstance(results, OverheadScores) else list(results))
            for title, raw, results in panels]
    columns = 2 + max(len(results) for _, _, results in rows)
    fig, axes = plt.subplots(len(rows), columns, figsize=(3.8 * columns, 3.4 * len(rows)), squeeze=False)
    for (title, raw, results), row_axes in zip(rows, axes, strict=True):
        ax_raw, ax_view = row_axes[:2]
        first = results[0][1]
        raw = np.where(np.isfinite(raw) & (raw > 0), raw, np.nan)
        low, high = np.nanpercentile(raw, [1, 99]) if np.isfinite(raw).any() else (near, far)
        image = ax_raw.imshow(raw, cmap="viridis", vmin=low, vmax=high)
        fig.colorbar(image, ax=ax_raw, fraction=0.046, pad=0.02, label="depth (m)")
        q = first.raw_quality
        ax_raw.set_title(
            f"{title}\nas it comes: {raw.shape[1]}x{raw.shape[0]}, {q.in_range:.0%} of pixels in {near:g}-{far:g} m",
            fontsize=8,
        )
        shown = np.where(np.isfinite(first.frame), first.frame, np.nan)
        low, high = np.nanpercentile(shown, [1, 99]) if np.isfinite(shown).any() else (near, far)
        image = ax_view.imshow(shown, cmap="viridis", vmin=low, vmax=high)
        fig.colorbar(image, ax=ax_view, fraction=0.046, pad=0.02, label="depth (m)")
        v = first.view
        ax_view.set_title(
            f"model camera, virtual gripper {v.pinch_height:.2f} m above the table\n"
            f"(table {v.axis_distance:.2f} m from the sensor, tilt {v.table.tilt_deg:.1f} deg; holes white, "
            f"{first.quality.holes:.0%})",
            fontsize=8,
        )
        for ax in row_axes[2 + len(results):]:
            ax.axis("off")
        for ax_map, (label, result) in zip(row_axes[2:], results, strict=False):
            ax_map.imshow(shown, cmap="gray", vmin=low, vmax=high)
            image = ax_map.imshow(result.scores.best, cmap="magma", vmin=0, vmax=1, alpha=0.7,
                                  extent=_grid_extent(result.scores, camera), interpolation="nearest")
            ax_map.set_xlim(-0.5, camera.width - 0.5)
            ax_map.set_ylim(camera.height - 0.5, -0.5)
            fig.colorbar(image, ax=ax_map, fraction=0.046, pad=0.02, label="g(I, v)")
            s = result.scores.stats()
            ax_map.set_title(
                f"{label + ': ' if label else ''}best of {len(result.scores.yaws)} yaws, grasp "
                f"{result.scores.grasp_height * 100:.1f} cm up\n"
                f"scores min {s['min']:.3f} max {s['max']:.3f} std {s['std']:.3f}",
                fontsize=8,
            )
        for ax in row_axes:
            ax.set_xticks([])
            ax.set_yticks([])
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=72)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> int:
    from grasp_perception.scorer import OnnxGraspScorer

    parser = argparse.ArgumentParser(
        prog="python -m grasp_perception.score_map",
        description="Score maps of a model on overhead depth frames (.npy, metres), through a virtual gripper.",
    )
    parser.add_argument("frames", nargs="+", help="depth frames (.npy, H x W or H x W x 1, metres)")
    parser.add_argument("--model", required=True)
    parser.add_argument("--intrinsics", required=True,
                        help="JSON intrinsics of the camera (gqcnn .intr, or fx/fy/cx/cy/width/height)")
    parser.add_argument("--pinch-height", type=float, default=WORLD_START_HEIGHT,
                        help=f"virtual gripper height above the table (m, default {WORLD_START_HEIGHT})")
    parser.add_argument("--hole-fill", choices=["contract", "constant", "inpaint", "both"], default="contract",
                        help="hole filling: as the contract says (default), either one, or both side by side")
    parser.add_argument("--out", required=True, help="PNG to write")
    args = parser.parse_args(argv)
    fills = {"contract": [None], "both": ["constant", "inpaint"]}.get(args.hole_fill, [args.hole_fill])
    scorers = [(fill, OnnxGraspScorer(args.model, hole_fill=fill)) for fill in fills]
    intrinsics = load_intrinsics(args.intrinsics)
    panels = []
    for name in args.frames:
        raw = np.load(name).astype(np.float32)
        raw = raw[..., 0] if raw.ndim == 3 else raw
        results = []
        for fill, scorer in scorers:
            result = overhead_score_map(scorer, raw, intrinsics, args.pinch_height)
            s = result.scores.stats()
            label = f"holes {fill or scorer.contract.image.hole_fill}"
            print(
                f"{Path(name).name} ({label}): table {result.view.axis_distance:.3f} m, tilt "
                f"{result.view.table.tilt_deg:.1f} deg; as it comes {result.raw_quality.in_range:.1%} in range; "
                f"model camera holes {result.quality.holes:.1%}; scores min {s['min']:.3f} max {s['max']:.3f} "
                f"mean {s['mean']:.3f} std {s['std']:.3f}"
            )
            results.append((label if len(scorers) > 1 else "", result))
        panels.append((Path(name).name, raw, results))
    scorer = scorers[0][1]
    pre = scorer.contract.image
    print(plot_score_maps(panels, scorer.camera, args.out, pre.near, pre.far))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
