"""Tests for named object sets: train / heldout unchanged, split disjointness, determinism, and test sets whose
families no training set contains."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import trimesh
from grasp_sim.objects import (
    EVERYDAY_FAMILIES,
    FAMILIES,
    OBJECT_SETS,
    SHAPE_FAMILIES,
    ObjectSpec,
    draw_objects,
    object_set_names,
    resolve_object_set,
    sample_objects,
)
from grasp_sim.objects import random_urdfs as ru
from grasp_sim.objects import sets as sets_module
from grasp_sim.objects.procedural import _default_splits
from grasp_sim.objects.sets import UNSEEN_FAMILIES
from grasp_sim.objects.shapes import EXTRA_SHAPE_FAMILIES

PROCEDURAL_SETS = ("train", "heldout", "shapes_train", "shapes_val", "shapes_test", "everyday")
URDF_SETS = ("urdf_train", "urdf_val", "urdf_test", "mixed_train")  # mixed_train: shapes_train + urdf_train
MORE_SETS = ("extra_train", "diverse_train", "unseen_train", "unseen_val")


def _signature(obj: ObjectSpec) -> list:
    parts = [
        (p.kind, p.size, p.pos, p.quat, None if p.vertices is None else p.vertices.tolist())
        for p in obj.parts
    ]
    return [obj.name, obj.family, obj.mass, obj.height, obj.friction, obj.rgba, *parts]


@pytest.fixture(scope="module")
def resolved() -> dict[str, tuple[ObjectSpec, ...]]:
    return {name: resolve_object_set(name) for name in PROCEDURAL_SETS + MORE_SETS}


def test_every_set_is_described() -> None:
    assert object_set_names() == PROCEDURAL_SETS + URDF_SETS + MORE_SETS
    for name, info in OBJECT_SETS.items():
        assert info.name == name and info.role in ("train", "val", "test") and info.families


def test_train_and_heldout_are_exactly_what_sample_objects_draws(resolved: dict) -> None:
    for split in ("train", "heldout"):
        pool = resolved[split]
        assert pool is resolve_object_set(split)  # built once per process
        assert list(pool) == list(_default_splits()[split])  # the very same objects
        for seed in range(20):
            for count in range(1, 6):
                rng_a, rng_b = np.random.default_rng(seed), np.random.default_rng(seed)
                assert draw_objects(pool, count, rng_a) == sample_objects(split, count, rng_b)
                assert rng_a.bit_generator.state == rng_b.bit_generator.state
    assert len(resolved["train"]) == 200 and len(resolved["heldout"]) == 50


def test_draw_objects_caps_the_count() -> None:
    pool = resolve_object_set("heldout")[:3]
    assert len(draw_objects(pool, 5, np.random.default_rng(0))) == 3
    with pytest.raises(ValueError):
        draw_objects(pool, -1, np.random.default_rng(0))


def test_one_object_of_a_set() -> None:
    (box,) = resolve_object_set("heldout:heldout_box_010")
    assert box in resolve_object_set("heldout") and box.name == "heldout_box_010"
    with pytest.raises(ValueError, match="'heldout' has no object named 'heldout_box_011' \\(it has 50: heldout_"):
        resolve_object_set("heldout:heldout_box_011")
    with pytest.raises(ValueError, match="unknown object set 'nonsense'"):
        resolve_object_set("nonsense:heldout_box_010")


def test_sets_hold_their_declared_families_and_counts(resolved: dict) -> None:
    counts = {
        "shapes_train": 520, "shapes_val": 105, "shapes_test": 130, "everyday": 160, "unseen_train": 400,
        "unseen_val": 150, "extra_train": 80, "diverse_train": 600,
    }
    for name, objs in resolved.items():
        assert {o.family for o in objs} == set(OBJECT_SETS[name].families), name
        assert len({o.name for o in objs}) == len(objs), name
        if name in counts:
            assert len(objs) == counts[name], name
    assert set(resolved["train"]) <= set(resolved["shapes_train"])
    assert set(resolved["heldout"]) <= set(resolved["shapes_test"])
    assert list(resolved["diverse_train"]) == [*resolved["shapes_train"], *resolved["extra_train"]]


def test_splits_are_disjoint(resolved: dict) -> None:
    def geometry(obj: ObjectSpec) -> str:
        return repr(_signature(obj)[5:])  # the parts only, whatever the name

    groups = [("train", "heldout"), ("shapes_train", "shapes_val", "shapes_test", "everyday")]
    for group in groups:
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                assert not {o.name for o in resolved[a]} & {o.name for o in resolved[b]}, (a, b)
                assert not {geometry(o) for o in resolved[a]} & {geometry(o) for o in resolved[b]}, (a, b)
    # the validation set of the old families is new instances, not the held-out test objects
    old_val = {geometry(o) for o in resolved["shapes_val"] if o.family in FAMILIES}
    assert len(old_val) == 25 and not old_val & {geometry(o) for o in resolved["heldout"]}
    splits = [ru.split_of(n) for n in range(1000)]
    assert splits.count("train") == 800 and splits.count("val") == 100 and splits.count("test") == 100


def test_unseen_val_holds_only_families_unseen_train_lacks(resolved: dict) -> None:
    train, val = resolved["unseen_train"], resolved["unseen_val"]
    assert {o.family for o in val} == set(UNSEEN_FAMILIES) and len(UNSEEN_FAMILIES) == 3
    assert not {o.family for o in train} & set(UNSEEN_FAMILIES)
    assert set(train) <= set(resolved["shapes_train"])
    assert {o.family for o in resolved["shapes_train"]} == {o.family for o in train} | set(UNSEEN_FAMILIES)
    # its instances are shapes_train's and shapes_val's of those families, no test object among them
    assert set(val) <= set(resolved["shapes_train"]) | set(resolved["shapes_val"])
    assert not set(val) & set(resolved["shapes_test"])


def test_no_family_of_a_novel_test_set_is_in_any_training_set(resolved: dict) -> None:
    training = {f for info in OBJECT_SETS.values() if info.role == "train" for f in info.families}
    training_seen = {o.family for name in ("train", "shapes_train") for o in resolved[name]}
    assert training_seen <= training
    novel = [info for info in OBJECT_SETS.values() if info.novel_families]
    assert [info.name for info in novel] == ["everyday"]
    for info in novel:
        assert info.role == "test"
        assert not set(info.families) & training, info.name
        assert not {o.family for o in resolved[info.name]} & training, info.name
    trained = set(FAMILIES) | set(SHAPE_FAMILIES) | set(EXTRA_SHAPE_FAMILIES) | {ru.FAMILY}
    assert set(EVERYDAY_FAMILIES).isdisjoint(trained)
    assert OBJECT_SETS["urdf_train"].families == (ru.FAMILY,)
    # no validation set holds a test family either
    for info in OBJECT_SETS.values():
        if info.role == "val":
            assert not set(info.families) & set(EVERYDAY_FAMILIES), info.name


def test_sets_are_deterministic(resolved: dict) -> None:
    """Rebuilt from scratch, every object comes out the same (the shape caches are per process only)."""
    before = {name: [_signature(o) for o in resolved[name]] for name in ("shapes_val", "everyday")}
    sets_module.shape_object.cache_clear()
    sets_module.everyday_object.cache_clear()
    sets_module._procedural_set.cache_clear()
    for name, sigs in before.items():
        assert [_signature(o) for o in resolve_object_set(name)] == sigs, name
    first = sets_module.shape_object("hook", 3)
    assert sets_module._index_range("train") == range(0, 40)
    assert sets_module._index_range("val") == range(40, 50)
    assert sets_module._index_range("test") == range(50, 60)
    assert first.name == "shape_hook_003"


def test_unknown_names_and_folders(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown object set 'shapes'.*everyday"):
        resolve_object_set("shapes")
    with pytest.raises(FileNotFoundError):
        resolve_object_set(str(tmp_path / "missing"))
    folder = tmp_path / "meshes"
    folder.mkdir()
    trimesh.creation.box(extents=[0.03, 0.04, 0.05]).export(folder / "block.stl")
    (obj,) = resolve_object_set(str(folder), cache_dir=tmp_path / "cache")
    assert obj.name == "block" and obj.family == "mesh"


def test_urdf_sets_say_how_to_get_the_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="GRASP_RANDOM_URDFS"):
        resolve_object_set("urdf_test", random_urdfs=tmp_path / "nothing")


@pytest.mark.skipif(ru.find_random_urdfs() is None, reason="no random_urdfs folder")
def test_urdf_sets_split_the_real_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The three urdf sets from a folder of a few objects of each split (copied from the real one)."""
    import shutil

    real = ru.find_random_urdfs()
    small = tmp_path / "random_urdfs"
    for n in (0, 10, 5, 15, 1, 2):
        shutil.copytree(real / f"{n:03d}", small / f"{n:03d}")
    monkeypatch.setenv(ru.ENV_VAR, str(small))
    sets_module._urdf_set.cache_clear()
    try:
        names = {s: [o.name for o in resolve_object_set(s, cache_dir=tmp_path / "c")] for s in URDF_SETS[:3]}
    finally:
        sets_module._urdf_set.cache_clear()
    assert names == {
        "urdf_train": ["urdf_001", "urdf_002"],
        "urdf_val": ["urdf_005", "urdf_015"],
        "urdf_test": ["urdf_000", "urdf_010"],
    }
