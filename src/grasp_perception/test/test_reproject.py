"""Reprojection into the model's camera, frame checks and the virtual gripper for overhead frames.

Scenes are rendered analytically: a table plane (and a box top) in the pinch frame, seen by pinhole cameras
at known mounts, so every reprojected depth can be compared with what the target camera really sees.
"""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from grasp_perception.camera_model import Mount, PinholeIntrinsics, matrix_to_quaternion, quaternion_to_matrix
from grasp_perception.contract import CameraSpec
from grasp_perception.overhead import overhead_view
from grasp_perception.reproject import (
    CameraFrameAdapter,
    DegenerateFrameError,
    SourceCamera,
    assess_frame,
    reproject_depth,
    reproject_to_camera,
    valid_depth,
)

MODEL = CameraSpec()  # the embedded wrist camera: 64 px, 70 degrees, 5.8 cm behind the pinch point
MODEL_K = MODEL.intrinsics()
MODEL_MOUNT = MODEL.mount.to_mount()
TABLE = 0.28  # the table is this far below the pinch point (along pinch z)
D435 = PinholeIntrinsics.from_fov(848, 480, 87.0)  # a 16:9 RealSense-like depth stream


def rotation(axis: str, degrees: float) -> np.ndarray:
    c, s = np.cos(np.deg2rad(degrees)), np.sin(np.deg2rad(degrees))
    return {
        "x": np.array([[1, 0, 0], [0, c, -s], [0, s, c]]),
        "y": np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]),
        "z": np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]),
    }[axis]


def mount(translation, rot=None) -> Mount:
    rot = np.eye(3) if rot is None else rot
    return Mount(tuple(float(v) for v in translation), matrix_to_quaternion(rot))


def render(k: PinholeIntrinsics, m: Mount, table: float = TABLE, box: tuple[float, float] | None = None,
           tilt_deg: float = 0.0) -> np.ndarray:
    """Depth (z along the optical axis) of a table plane ``table`` below the pinch point, optionally tilted
    about pinch y, with an optional box top (half size, height) centred under the pinch point."""
    transform = m.matrix()
    rays = k.rays().reshape(-1, 3) @ transform[:3, :3].T  # in the pinch frame, optical z component 1
    origin = transform[:3, 3]
    normal = rotation("y", tilt_deg) @ np.array([0.0, 0.0, 1.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (table * normal[2] - normal @ origin) / (rays @ normal)
        if box is not None:
            half, height = box
            t_top = (table - height - origin[2]) / rays[:, 2]
            hit = origin + t_top[:, None] * rays
            on_top = (np.abs(hit[:, 0]) <= half) & (np.abs(hit[:, 1]) <= half) & (t_top > 0)
            t = np.where(on_top & (t_top < t), t_top, t)
    t[~(t > 0)] = np.inf
    return t.reshape(k.height, k.width).astype(np.float32)


def test_same_camera_gives_the_same_image() -> None:
    rng = np.random.default_rng(0)
    depth = rng.uniform(0.1, 0.5, (64, 64)).astype(np.float32)
    depth[rng.random(depth.shape) < 0.1] = np.nan
    depth[5, 5], depth[6, 6] = 0.0, np.inf
    out = reproject_to_camera(depth, SourceCamera(MODEL_K, MODEL_MOUNT), MODEL_K, MODEL_MOUNT)
    valid = valid_depth(depth)
    np.testing.assert_array_equal(valid_depth(out), valid)
    np.testing.assert_allclose(out[valid], depth[valid], rtol=1e-6)
    assert np.isnan(out[~valid]).all()


def test_a_16_9_plane_keeps_its_depth_and_geometry_in_the_square_camera() -> None:
    source = PinholeIntrinsics.from_fov(640, 360, 87.0)
    depth = render(source, MODEL_MOUNT, tilt_deg=20.0)
    out = reproject_to_camera(depth, SourceCamera(source, MODEL_MOUNT), MODEL_K, MODEL_MOUNT)
    truth = render(MODEL_K, MODEL_MOUNT, tilt_deg=20.0)
    valid = valid_depth(out)
    error = np.abs(out[valid] - truth[valid])
    assert np.median(error) < 2e-4 and error.max() < 1e-3  # the point nearest each pixel centre, on a 20 deg slope
    # The 16:9 frame sees 58 degrees vertically: the top and bottom rows of the 70 degree camera stay holes.
    rows_seen = valid.any(axis=1)
    edge = MODEL_K.fy * ((source.height - 1) / 2) / source.fy  # the outermost source row centres, in pixels
    rows = np.arange(64)
    expected = (rows >= np.rint(MODEL_K.cy - edge)) & (rows <= np.rint(MODEL_K.cy + edge))
    assert 0.7 < expected.mean() < 0.8
    assert np.array_equal(rows_seen, expected)
    assert valid[rows_seen].all()
    # Squashing it instead (a plain resize) would put the table's far side where the near side is seen.
    squashed = np.asarray(
        __import__("cv2").resize(depth, (64, 64), interpolation=__import__("cv2").INTER_AREA)
    )
    assert np.abs(squashed - truth)[rows_seen].max() > 10 * error.max()


def test_a_camera_mounted_elsewhere_is_moved_into_the_model_camera() -> None:
    elsewhere = mount((0.03, -0.02, -0.14), rotation("x", 15.0) @ rotation("z", 30.0))
    depth = render(D435, elsewhere, box=(0.03, 0.05), tilt_deg=10.0)
    out = reproject_to_camera(depth, SourceCamera(D435, elsewhere, 0.105, 3.0), MODEL_K, MODEL_MOUNT)
    truth = render(MODEL_K, MODEL_MOUNT, box=(0.03, 0.05), tilt_deg=10.0)
    valid = valid_depth(out)
    # Exactly the model-camera pixels whose surface point the D435 sees (its field of view) hold depth.
    points = MODEL_K.rays() * truth[..., None]
    in_source = (np.linalg.inv(elsewhere.matrix()) @ MODEL_MOUNT.matrix())[:3]
    seen = np.einsum("ij,hwj->hwi", in_source[:, :3], points) + in_source[:, 3]
    u = D435.fx * seen[..., 0] / seen[..., 2] + D435.cx
    v = D435.fy * seen[..., 1] / seen[..., 2] + D435.cy
    expected = (u > 0.5) & (u < D435.width - 1.5) & (v > 0.5) & (v < D435.height - 1.5)
    assert 0.5 < expected.mean() < 0.95  # part of the model's view is outside the tilted, rolled 16:9 view
    assert np.mean(valid == expected) > 0.98
    error = np.abs(out[valid] - truth[valid])
    assert np.median(error) < 2e-4
    assert np.mean(error < 1e-3) > 0.98  # box edges: the nearer surface wins a pixel it partly covers
    box_pixels = truth < TABLE + 0.058 - 0.04
    assert np.median(out[box_pixels & valid]) == pytest.approx(TABLE + 0.058 - 0.05, abs=1e-3)


def test_holes_stay_holes_and_invalid_values_never_become_depth() -> None:
    source = PinholeIntrinsics.from_fov(640, 360, 87.0)
    depth = render(source, MODEL_MOUNT)
    bogus = {"nan": np.nan, "zero": 0.0, "inf": np.inf, "-inf": -np.inf, "too_near": 0.05, "too_far": 5.0}
    blocks = {}
    for index, (name, value) in enumerate(bogus.items()):
        rows, cols = slice(140, 220), slice(140 + 60 * index, 200 + 60 * index)
        depth[rows, cols] = value
        blocks[name] = (rows, cols)
    out = reproject_to_camera(depth, SourceCamera(source, MODEL_MOUNT, 0.1, 3.0), MODEL_K, MODEL_MOUNT)
    finite = out[np.isfinite(out)]
    assert not np.any(np.isin(finite, [0.0, 0.05, 5.0]))
    for name, (rows, cols) in blocks.items():
        # Target pixels whose rays fall well inside the block: the block's centre, projected.
        v = (rows.start + rows.stop) / 2 - source.cy
        u = (cols.start + cols.stop) / 2 - source.cx
        r = round(float(MODEL_K.cy + v / source.fy * MODEL_K.fy))
        c = round(float(MODEL_K.cx + u / source.fx * MODEL_K.fx))
        assert np.isnan(out[r - 1 : r + 2, c - 1 : c + 2]).all(), name


def test_target_range_marks_too_near_and_too_far() -> None:
    near_wall = np.full((64, 64), 0.05, np.float32)
    near_wall[:, 32:] = 2.0
    out = reproject_to_camera(near_wall, SourceCamera(MODEL_K, MODEL_MOUNT), MODEL_K, MODEL_MOUNT, 0.1, 1.0)
    assert np.isneginf(out[:, :32]).all() and np.isposinf(out[:, 32:]).all()


def test_sparse_sources_are_splatted_without_gaps() -> None:
    coarse = PinholeIntrinsics.from_fov(16, 16, 70.0)
    out = reproject_to_camera(render(coarse, MODEL_MOUNT), SourceCamera(coarse, MODEL_MOUNT), MODEL_K, MODEL_MOUNT)
    assert valid_depth(out)[4:-4, 4:-4].all()
    np.testing.assert_allclose(out[4:-4, 4:-4], TABLE + 0.058, atol=1e-6)


def test_degenerate_frames_are_detected() -> None:
    ok = render(MODEL_K, MODEL_MOUNT, box=(0.03, 0.05))
    assert not assess_frame(ok, 0.0, 0.6).degenerate
    holes = assess_frame(np.full((64, 64), np.nan), 0.0, 0.6)
    assert holes.degenerate and holes.holes == 1.0 and "only 0.0%" in holes.reason
    far = assess_frame(np.full((64, 64), 0.8), 0.0, 0.6)
    assert far.degenerate and far.beyond_far == 1.0 and "beyond 0.6 m 100.0%" in far.reason
    flat = assess_frame(np.full((64, 64), 0.3), 0.0, 0.6)
    assert flat.degenerate and "one flat value" in flat.reason
    # A camera 0.8 m above the table: as it comes, all beyond the model's 0.6 m clip. Reprojected to the
    # model camera 0.338 m above the table, an empty table is one flat value; with a box on it, usable.
    overhead = mount((0.0, 0.0, -(0.8 - TABLE)))
    raw = render(D435, overhead)
    assert assess_frame(raw, 0.0, 0.6).beyond_far == 1.0
    adapter = CameraFrameAdapter(SourceCamera(D435, overhead), MODEL_K, MODEL_MOUNT, 0.0, 0.6)
    with pytest.raises(DegenerateFrameError, match=r"after reprojection into the model's camera: .*one flat value"):
        adapter(raw)
    frame = adapter(render(D435, overhead, box=(0.03, 0.05)))
    assert adapter.last_quality is not None and not adapter.last_quality.degenerate
    assert np.nanmax(frame) == pytest.approx(TABLE + 0.058, abs=1e-3)


def test_overhead_view_finds_a_tilted_table_and_places_the_virtual_gripper() -> None:
    primesense = PinholeIntrinsics(640, 480, 525.0, 525.0, 319.5, 239.5)
    # The sensor 0.75 m from the table along its axis, tilted 12 degrees, a 6 cm box on the table.
    sensor = mount((0.0, 0.0, -(0.75 - TABLE)), rotation("x", 12.0))
    depth = render(primesense, sensor, box=(0.03, 0.06))
    view = overhead_view(depth, primesense, pinch_height=TABLE)
    assert view.table.tilt_deg == pytest.approx(12.0, abs=0.2)
    assert view.axis_distance == pytest.approx(0.75 / np.cos(np.deg2rad(12.0)) - 0.0, rel=0.05)
    out = reproject_to_camera(depth, SourceCamera(primesense, view.mount), MODEL_K, MODEL_MOUNT)
    assert not assess_frame(out, 0.0, 0.6).degenerate
    table_in_view = out[np.abs(out - (TABLE + 0.058)) < 0.002]
    assert table_in_view.size > 0.5 * out.size  # the table, seen square-on from the start height
    assert np.nanmin(out) == pytest.approx(TABLE + 0.058 - 0.06, abs=0.003)  # the box top
    with pytest.raises(ValueError, match="valid pixels"):
        overhead_view(np.zeros((480, 640), np.float32), primesense)


def test_camera_info_and_k() -> None:
    info = SimpleNamespace(k=[600.0, 0, 420.0, 0, 610.0, 240.0, 0, 0, 1], width=848, height=480, d=[0.1] * 5)
    k = PinholeIntrinsics.from_camera_info(info)
    assert (k.fx, k.fy, k.cx, k.cy, k.width, k.height) == (600.0, 610.0, 420.0, 240.0, 848, 480)
    np.testing.assert_array_equal(k.k(), np.array(info.k).reshape(3, 3))
    with pytest.raises(ValueError, match="no skew"):
        PinholeIntrinsics.from_k([600, 1, 420, 0, 610, 240, 0, 0, 1], 848, 480)
    with pytest.raises(ValueError, match="binning_x"):
        PinholeIntrinsics.from_camera_info(SimpleNamespace(**vars(info), binning_x=2))
    with pytest.raises(ValueError, match="fx must be > 0"):
        PinholeIntrinsics(64, 64, 0.0, 45.0, 31.5, 31.5)
    half = MODEL_K.scaled(32, 32)
    assert (half.fx, half.cx) == pytest.approx((MODEL_K.fx / 2, 15.5))
    assert half.fov_deg == pytest.approx(MODEL_K.fov_deg)


def test_quaternions_and_mounts() -> None:
    for axis, degrees in (("x", 15.0), ("y", -120.0), ("z", 179.0)):
        r = rotation(axis, degrees)
        np.testing.assert_allclose(quaternion_to_matrix(matrix_to_quaternion(r)), r, atol=1e-12)
    with pytest.raises(ValueError, match="unit quaternion"):
        Mount((0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 0.5))
    with pytest.raises(ValueError, match="expected 'pinch'"):
        Mount(frame="tool0")
    with pytest.raises(ValueError, match="shape"):
        reproject_depth(np.zeros((10, 10)), MODEL_K, MODEL_K, np.eye(4))


def test_the_cores_import_neither_rclpy_nor_mujoco_nor_torch() -> None:
    code = (
        "import sys\n"
        "import grasp_perception.reproject, grasp_perception.camera_model, grasp_perception.overhead\n"
        "import grasp_perception.score_map, grasp_perception.scorer\n"
        "bad = [m for m in ('rclpy', 'mujoco', 'torch', 'matplotlib') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
