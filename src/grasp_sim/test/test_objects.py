"""Tests for grasp_sim.objects: procedural catalogue, split, MuJoCo placement, mesh-folder loading."""

from __future__ import annotations

import time
from pathlib import Path

import mujoco
import numpy as np
import pytest
import trimesh
from grasp_sim.objects import (
    FAMILIES,
    ObjectSpec,
    add_object,
    default_cache_dir,
    horizontal_widths,
    load_mesh_folder,
    object_catalogue,
    procedural,
    sample_objects,
    split_catalogue,
    vertical_extent,
)

# Coarse, fast CoACD settings for the small test meshes (about a second per mesh).
FAST_COACD = {
    "preprocess_mode": "off",
    "resolution": 300,
    "mcts_iterations": 20,
    "mcts_nodes": 8,
    "mcts_max_depth": 2,
}
FAST_THRESHOLD = 0.3


@pytest.fixture(scope="module")
def catalogue() -> list[ObjectSpec]:
    return object_catalogue()


def _signature(obj: ObjectSpec) -> list:
    parts = [
        (p.kind, p.size, p.pos, p.quat, None if p.vertices is None else p.vertices.tolist())
        for p in obj.parts
    ]
    return [obj.name, obj.mass, obj.friction, *parts]


def _signatures(objs: list[ObjectSpec]) -> list[list]:
    return [_signature(o) for o in objs]


# --- procedural catalogue and split -----------------------------------------------------------------


def test_catalogue_is_deterministic(catalogue: list[ObjectSpec]) -> None:
    assert len(catalogue) == 250
    procedural._catalogue_entry.cache_clear()  # regenerate rather than reuse the memoised objects
    assert _signatures(object_catalogue(seed=0, count=250)) == _signatures(catalogue)
    assert _signatures(object_catalogue(seed=0, count=20)) == _signatures(catalogue[:20])
    assert _signatures(object_catalogue(seed=1, count=20)) != _signatures(catalogue[:20])
    assert {o.family for o in catalogue} == set(FAMILIES)
    assert len({o.name for o in catalogue}) == len(catalogue)


def test_every_procedural_object_is_graspable_top_down(catalogue: list[ObjectSpec]) -> None:
    for obj in catalogue:
        narrowest, across = horizontal_widths(obj)
        low, high = vertical_extent(obj)
        assert 0.015 <= narrowest <= 0.065, obj.name
        assert across <= 0.14 + 1e-9, obj.name
        assert 0.02 <= obj.height <= 0.09, obj.name
        assert low == pytest.approx(0.0, abs=1e-9), obj.name
        assert high == pytest.approx(obj.height, abs=1e-9), obj.name
        assert 0.03 <= obj.mass <= 0.4, obj.name
        if obj.family not in ("box", "capsule"):
            assert across <= 0.09 + 1e-9, obj.name
    capsule = next(o for o in catalogue if o.family == "capsule")
    assert horizontal_widths(capsule)[1] > capsule.height  # lying on its side


def test_split_is_disjoint_stable_and_covers_every_family(catalogue: list[ObjectSpec]) -> None:
    split = split_catalogue(catalogue, heldout_fraction=0.2, seed=0)
    again = split_catalogue(catalogue, heldout_fraction=0.2, seed=0)
    assert set(split) == {"train", "heldout"}
    for half in split:
        assert [o.name for o in split[half]] == [o.name for o in again[half]]
        assert all(o.name.startswith(f"{half}_") for o in split[half])
        assert {o.family for o in split[half]} == set(FAMILIES)
    train = {o.name.removeprefix("train_") for o in split["train"]}
    heldout = {o.name.removeprefix("heldout_") for o in split["heldout"]}
    assert not train & heldout
    assert train | heldout == {o.name for o in catalogue}
    assert len(heldout) == 50
    other = split_catalogue(catalogue, seed=1)
    assert {o.name for o in other["heldout"]} != {o.name for o in split["heldout"]}
    with pytest.raises(ValueError):
        split_catalogue(catalogue[:3])  # one instance per family cannot be split
    with pytest.raises(ValueError):
        split_catalogue(catalogue, heldout_fraction=1.0)


def test_sample_objects() -> None:
    picked = sample_objects("heldout", 10, np.random.default_rng(3))
    assert len({o.name for o in picked}) == 10
    assert all(o.name.startswith("heldout_") for o in picked)
    again = sample_objects("heldout", 10, np.random.default_rng(3))
    assert [o.name for o in again] == [o.name for o in picked]
    assert len(sample_objects("train", 200, np.random.default_rng(0))) == 200
    with pytest.raises(ValueError, match="split"):
        sample_objects("test", 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="distinct"):
        sample_objects("heldout", 51, np.random.default_rng(0))
    with pytest.raises(ValueError):
        sample_objects("train", -1, np.random.default_rng(0))


# --- MuJoCo world ----------------------------------------------------------------------------------


def _table_world() -> mujoco.MjSpec:
    spec = mujoco.MjSpec()
    spec.option.timestep = 0.002
    spec.option.gravity = [0.0, 0.0, -9.81]
    spec.worldbody.add_geom(
        name="table", type=mujoco.mjtGeom.mjGEOM_BOX, size=[1.0, 1.0, 0.02], pos=[0.0, 0.0, -0.02]
    )
    return spec


def _settle_and_check(spec: mujoco.MjSpec, placed: dict[str, ObjectSpec], seconds: float = 1.0) -> None:
    model = spec.compile()
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    for _ in range(round(seconds / model.opt.timestep)):
        mujoco.mj_step(model, data)
    total = 0.0
    for name, obj in placed.items():
        bid = model.body(name).id
        total += model.body_mass[bid]
        assert model.body_mass[bid] == pytest.approx(obj.mass, rel=1e-6), name
        com_z = data.xipos[bid, 2]
        assert 0.0 < com_z < obj.height + 0.01, (name, com_z)
        assert data.xpos[bid, 2] > -0.005, (name, "sank into the table")
        assert data.xmat[bid, 8] > 0.98, (name, "tipped over from its canonical pose")
        speed = np.linalg.norm(data.cvel[bid, 3:])
        assert speed < 0.05, (name, "still moving", speed)
    assert total == pytest.approx(sum(o.mass for o in placed.values()), rel=1e-6)


def test_objects_rest_on_table(catalogue: list[ObjectSpec]) -> None:
    spec = _table_world()
    rng = np.random.default_rng(0)
    placed = {}
    for row, family in enumerate(FAMILIES):
        for col, obj in enumerate([o for o in catalogue if o.family == family][:5]):
            yaw = rng.uniform(0, 2 * np.pi)
            name = f"obj_{family}_{col}"
            add_object(
                spec,
                obj,
                name,
                pos=(0.18 * col - 0.36, 0.18 * row - 0.36, 0.0),
                quat=(np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2)),
            )
            placed[name] = obj
    _settle_and_check(spec, placed)
    with pytest.raises(ValueError, match="already exists"):
        add_object(spec, catalogue[0], "obj_box_0", pos=(0, 0, 0))


# --- mesh folder -----------------------------------------------------------------------------------


def _mug() -> trimesh.Trimesh:
    """A thin-walled cup with a bottom and a handle: clearly non-convex."""
    wall = trimesh.creation.annulus(r_min=0.025, r_max=0.03, height=0.08, sections=16)
    wall.apply_translation([0.0, 0.0, 0.04])
    # The bottom sits inside the wall (radius between r_min and r_max) so that no vertices coincide:
    # the merged mesh stays watertight, which CoACD needs with preprocess_mode="off".
    bottom = trimesh.creation.cylinder(radius=0.0275, height=0.006, sections=16)
    bottom.apply_translation([0.0, 0.0, 0.003])
    handle = trimesh.creation.box(extents=[0.025, 0.008, 0.05])
    handle.apply_translation([0.04, 0.0, 0.04])
    return trimesh.util.concatenate([wall, bottom, handle])


@pytest.fixture()
def mesh_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "meshes"
    folder.mkdir()
    box = trimesh.creation.box(extents=[0.04, 0.05, 0.06])
    box.apply_translation([0.3, -0.2, 0.1])  # off-origin: the loader must re-centre it
    box.export(folder / "Box.STL")
    mug = _mug()
    assert not mug.is_convex and mug.is_watertight
    mug.export(folder / "mug.obj")
    (folder / "notes.txt").write_text("not a mesh")
    return folder


def _load(folder: Path, cache: Path) -> list[ObjectSpec]:
    return load_mesh_folder(
        folder,
        cache_dir=cache,
        decomposition_threshold=FAST_THRESHOLD,
        progress=False,
        coacd_options=FAST_COACD,
    )


def test_mesh_folder_decomposes_caches_and_rests(
    mesh_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    start = time.perf_counter()
    first = {o.name: o for o in _load(mesh_dir, cache)}
    cold = time.perf_counter() - start
    assert set(first) == {"Box", "mug"}
    assert len(first["Box"].parts) == 1
    assert len(first["mug"].parts) > 1
    assert first["Box"].height == pytest.approx(0.06)
    assert first["mug"].height == pytest.approx(0.08, abs=1e-3)
    for obj in first.values():
        assert obj.family == "mesh" and obj.mass == pytest.approx(0.15)
        low, _ = vertical_extent(obj)
        assert low == pytest.approx(0.0, abs=2e-3)
    box_pts = first["Box"].parts[0].vertices
    np.testing.assert_allclose(box_pts.min(0), [-0.02, -0.025, 0.0], atol=1e-6)  # STL stores float32
    assert len(list(cache.glob("*.npz"))) == 2

    import coacd

    def no_decomposition(*args: object, **kwargs: object) -> None:
        raise AssertionError("cache miss: CoACD ran again")

    monkeypatch.setattr(coacd, "run_coacd", no_decomposition)
    start = time.perf_counter()
    second = {o.name: o for o in _load(mesh_dir, cache)}
    warm = time.perf_counter() - start
    assert warm < cold
    for name, obj in first.items():
        assert len(second[name].parts) == len(obj.parts)
        for a, b in zip(obj.parts, second[name].parts, strict=True):
            np.testing.assert_array_equal(a.vertices, b.vertices)

    spec = _table_world()
    add_object(spec, first["mug"], "mug", pos=(0.0, 0.0, 0.0))
    add_object(spec, first["Box"], "box", pos=(0.2, 0.0, 0.0))
    _settle_and_check(spec, {"mug": first["mug"], "box": first["Box"]})


def test_mesh_folder_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match=r"no \.obj/\.stl mesh files.*nothing"):
        load_mesh_folder(empty, cache_dir=tmp_path / "c", progress=False)
    (empty / "readme.md").write_text("hi")
    with pytest.raises(ValueError, match=r"readme\.md"):
        load_mesh_folder(empty, cache_dir=tmp_path / "c", progress=False)
    with pytest.raises(FileNotFoundError):
        load_mesh_folder(tmp_path / "missing", cache_dir=tmp_path / "c", progress=False)

    mm = tmp_path / "mm"
    mm.mkdir()
    trimesh.creation.box(extents=[40.0, 50.0, 60.0]).export(mm / "part.stl")
    with pytest.raises(ValueError, match=r"part\.stl.*millimetres"):
        load_mesh_folder(mm, cache_dir=tmp_path / "c", progress=False)

    tiny = tmp_path / "tiny"
    tiny.mkdir()
    trimesh.creation.box(extents=[0.001, 0.002, 0.003]).export(tiny / "speck.stl")
    with pytest.raises(ValueError, match="too small"):
        load_mesh_folder(tiny, cache_dir=tmp_path / "c", progress=False)

    flat = tmp_path / "flat"
    flat.mkdir()
    square = trimesh.Trimesh(
        vertices=[[0, 0, 0], [0.05, 0, 0], [0, 0.05, 0], [0.05, 0.05, 0]], faces=[[0, 1, 2], [1, 3, 2]]
    )
    square.export(flat / "sheet.stl")
    with pytest.raises(ValueError, match=r"sheet\.stl.*flat"):
        load_mesh_folder(flat, cache_dir=tmp_path / "c", progress=False)

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "junk.obj").write_text("this is not a mesh\n")
    with pytest.raises(ValueError, match=r"junk\.obj.*empty or unreadable"):
        load_mesh_folder(bad, cache_dir=tmp_path / "c", progress=False)


def test_mesh_folder_warns_when_too_wide(tmp_path: Path) -> None:
    folder = tmp_path / "wide"
    folder.mkdir()
    trimesh.creation.box(extents=[0.15, 0.12, 0.03]).export(folder / "tray.obj")
    with pytest.warns(UserWarning, match="too wide"):
        (tray,) = load_mesh_folder(folder, cache_dir=tmp_path / "c", progress=False)
    assert tray.name == "tray" and len(tray.parts) == 1


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRASP_SIM_CACHE", str(tmp_path))
    assert default_cache_dir() == tmp_path / "convex"
    monkeypatch.delenv("GRASP_SIM_CACHE")
    assert default_cache_dir() == Path.home() / ".cache" / "grasp_sim" / "convex"
