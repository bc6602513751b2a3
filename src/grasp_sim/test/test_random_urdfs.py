"""Tests for the random_urdfs loader: on a small synthetic folder always, on pybullet's folder when present."""

from __future__ import annotations

import io
import tarfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from grasp_sim.objects import find_random_urdfs, horizontal_widths, load_random_urdfs, vertical_extent
from grasp_sim.objects import random_urdfs as ru
from grasp_sim.objects.mesh_folder import GRASP_WIDTH_WARNING

URDF = """<robot name="blob{n}">
  <link name="random_obj_{n}">
    <inertial><origin rpy="0 0 0" xyz="0 0 0"/><mass value="0.1"/>
      <inertia ixx="1" ixy="0" ixz="0" iyy="1" iyz="0" izz="0"/></inertial>
    <visual><origin rpy="0 0 0" xyz="0 0 0"/>
      <geometry><mesh filename="{n}.obj" scale="{s} {s} {s}"/></geometry>
      <material name="blockmat"><color rgba="0.1 0.2 0.9 1"/></material></visual>
    <collision><origin rpy="0 0 0" xyz="0 0 0"/>
      <geometry><mesh filename="{n}.obj" scale="{s} {s} {s}"/></geometry></collision>
  </link>
</robot>
"""


def _box_obj(lo: np.ndarray, hi: np.ndarray, offset: int, name: str) -> tuple[str, str]:
    corners = [
        [(lo, hi)[i][0], (lo, hi)[j][1], (lo, hi)[k][2]] for i in (0, 1) for j in (0, 1) for k in (0, 1)
    ]
    faces = [(1, 3, 4, 2), (5, 6, 8, 7), (1, 2, 6, 5), (3, 7, 8, 4), (1, 5, 7, 3), (2, 4, 8, 6)]
    v = "".join(f"v {x:.6f} {y:.6f} {z:.6f}\n" for x, y, z in corners)
    f = "".join("f " + " ".join(f"{i + offset}//{i + offset}" for i in face) + "\n" for face in faces)
    return v, f"o {name}\n" + f


def _write_object(folder: Path, number: int, boxes: list[tuple[list, list]], scale: float = 0.015) -> None:
    n = f"{number:03d}"
    (folder / n).mkdir(parents=True)
    verts, faces = "", ""
    for k, (lo, hi) in enumerate(boxes):
        v, f = _box_obj(np.array(lo, float), np.array(hi, float), 8 * k, f"convex_{k}")
        verts, faces = verts + v, faces + f
    (folder / n / f"{n}.obj").write_text("# test\nmtllib x.mtl\n" + verts + faces)
    (folder / n / f"{n}.urdf").write_text(URDF.format(n=n, s=scale))


@pytest.fixture()
def fake_folder(tmp_path: Path) -> Path:
    """Five objects: an L of two pieces (000), a tall post that must be laid down (005), a 20-piece row (011),
    a file with NaN vertices (020), a sliver (030)."""
    folder = tmp_path / "random_urdfs"
    _write_object(folder, 0, [([0, 0, 0], [4, 1, 1]), ([0, 0, 0], [1, 3, 1])])
    _write_object(folder, 5, [([0, 0, 0], [1, 1, 4])])
    _write_object(folder, 11, [([k * 0.3, 0, 0], [k * 0.3 + 0.3, 1, 1 + 0.05 * k]) for k in range(20)])
    _write_object(folder, 20, [([0, 0, 0], [1, 1, 1])])
    bad = (folder / "020" / "020.obj").read_text().replace("v 0.000000", "v nan", 1)
    (folder / "020" / "020.obj").write_text(bad)
    _write_object(folder, 30, [([0, 0, 0], [0.001, 2, 2])])
    return folder


def test_loader_applies_scale_uses_the_pieces_and_sets_objects_down(
    fake_folder: Path, tmp_path: Path
) -> None:
    with pytest.warns(UserWarning) as caught:
        objs = load_random_urdfs(fake_folder, cache_dir=tmp_path / "c", size_scale=1.0)
    messages = " ".join(str(w.message) for w in caught)
    assert "020.urdf: mesh has non-finite" in messages and "030.urdf" in messages
    by_name = {o.name: o for o in objs}
    assert set(by_name) == {"urdf_000", "urdf_005", "urdf_011"}
    ell = by_name["urdf_000"]
    assert ell.family == "random_urdf" and ell.mass == pytest.approx(0.1)
    assert ell.rgba == (0.1, 0.2, 0.9, 1.0)
    assert len(ell.parts) == 2  # the OBJ's two convex pieces, not a decomposition
    np.testing.assert_allclose(
        sorted(np.ptp(ell.parts[0].vertices, axis=0).round(6)), sorted([0.06, 0.015, 0.015])
    )
    post = by_name["urdf_005"]  # 1.5 x 1.5 x 6 cm standing on its small face: set down on its side
    assert post.height == pytest.approx(0.015, abs=1e-6)
    assert sorted(horizontal_widths(post)) == pytest.approx([0.015, 0.06], abs=1e-6)
    row = by_name["urdf_011"]
    assert len(row.parts) == 16  # 20 pieces merged down to max_convex_hull
    for obj in objs:
        low, high = vertical_extent(obj)
        assert low == pytest.approx(0.0, abs=1e-9) and high == pytest.approx(obj.height)

    scaled = {o.name: o for o in load_random_urdfs(fake_folder, numbers=[0], cache_dir=tmp_path / "c")}
    assert scaled["urdf_000"].height == pytest.approx(ru.SIZE_SCALE * ell.height)
    assert load_random_urdfs(fake_folder, numbers=[0], cache_dir=tmp_path / "c", mass=0.3)[0].mass == 0.3


def test_loader_caches(fake_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "c"
    first = load_random_urdfs(fake_folder, numbers=[0, 5, 11], cache_dir=cache)
    assert len(list(cache.glob("*.npz"))) == 3

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("cache miss")

    monkeypatch.setattr(ru, "_object_parts", no_work)
    second = load_random_urdfs(fake_folder, numbers=[0, 5, 11], cache_dir=cache)
    for a, b in zip(first, second, strict=True):
        assert a.name == b.name
        for pa, pb in zip(a.parts, b.parts, strict=True):
            np.testing.assert_array_equal(pa.vertices, pb.vertices)


def test_split_follows_kuka_diverse_object_env(fake_folder: Path, tmp_path: Path) -> None:
    splits = {n: ru.split_of(n) for n in range(1000)}
    assert [n for n, s in splits.items() if s == "test"] == list(range(0, 1000, 10))  # random_urdfs/*0/*.urdf
    assert [n for n, s in splits.items() if s == "val"] == list(range(5, 1000, 10))
    assert sum(s == "train" for s in splits.values()) == 800
    assert [o.name for o in load_random_urdfs(fake_folder, "val", cache_dir=tmp_path / "c")] == ["urdf_005"]
    assert [o.name for o in load_random_urdfs(fake_folder, "train", cache_dir=tmp_path / "c")] == ["urdf_011"]
    with pytest.raises(ValueError, match="split"):
        load_random_urdfs(fake_folder, "holdout")


def test_finding_the_folder(fake_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert find_random_urdfs(fake_folder) == fake_folder
    assert find_random_urdfs(tmp_path / "nothing") is None
    monkeypatch.setenv(ru.ENV_VAR, str(fake_folder))
    assert find_random_urdfs() == fake_folder
    monkeypatch.setenv(ru.ENV_VAR, str(tmp_path / "nothing"))
    monkeypatch.setenv("GRASP_SIM_CACHE", str(tmp_path))
    assert ru.default_folder() == tmp_path / "random_urdfs"
    with pytest.raises(FileNotFoundError, match="pip download pybullet"):
        ru.require_random_urdfs(tmp_path / "nothing")


def test_extracting_from_a_wheel_or_an_sdist(fake_folder: Path, tmp_path: Path) -> None:
    files = sorted(p for p in fake_folder.rglob("*") if p.is_file())
    wheel = tmp_path / "pybullet-0-cp311-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("pybullet_data/plane.urdf", "<robot/>")
        for p in files:
            zf.write(p, f"pybullet_data/random_urdfs/{p.relative_to(fake_folder)}")
    out = ru.extract_random_urdfs(wheel, tmp_path / "from_wheel")
    assert ru.urdf_numbers(out) == [0, 5, 11, 20, 30] and not (out.parent / "plane.urdf").exists()

    sdist = tmp_path / "pybullet-0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tf:
        for p in files:
            tf.add(
                p, f"pybullet-0/examples/pybullet/gym/pybullet_data/random_urdfs/{p.relative_to(fake_folder)}"
            )
        evil = tarfile.TarInfo("pybullet-0/pybullet_data/random_urdfs/../../escape.txt")
        evil.size = 2
        tf.addfile(evil, io.BytesIO(b"no"))
    out = ru.extract_random_urdfs(sdist, tmp_path / "from_sdist")
    assert ru.urdf_numbers(out) == [0, 5, 11, 20, 30] and not (tmp_path / "escape.txt").exists()
    empty = tmp_path / "empty.whl"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("pybullet_data/plane.urdf", "<robot/>")
    with pytest.raises(ValueError, match="random_urdfs"):
        ru.extract_random_urdfs(empty, tmp_path / "none")
    assert ru.main(["--archive", str(wheel), "--dest", str(tmp_path / "cli")]) == 0
    assert ru.urdf_numbers(tmp_path / "cli") == [0, 5, 11, 20, 30]


REAL = find_random_urdfs()


@pytest.mark.skipif(REAL is None, reason="no random_urdfs folder (python -m grasp_sim.objects.random_urdfs)")
def test_real_random_urdfs(tmp_path: Path) -> None:
    assert len(ru.urdf_numbers(REAL)) == 1000
    start = time.perf_counter()
    with pytest.warns(UserWarning, match=r"168\.urdf: mesh has non-finite"):
        objs = load_random_urdfs(REAL, numbers=[0, 5, 37, 168, 501], cache_dir=tmp_path / "c")
    assert time.perf_counter() - start < 20
    assert [o.name for o in objs] == ["urdf_000", "urdf_005", "urdf_037", "urdf_501"]
    for obj in objs:
        assert 1 <= len(obj.parts) <= 16  # 037 has 53 pieces in its OBJ
        assert horizontal_widths(obj)[0] <= GRASP_WIDTH_WARNING
        assert 0.008 <= obj.height <= 0.1
