"""Object sets by name: what ``WorldConfig.object_set`` resolves to, and what each set is for.

| set | role | families | objects |
| --- | --- | --- | --- |
| ``train`` | training | box, cylinder, sphere, capsule, convex | 200 (the fixed split of ``procedural``) |
| ``heldout`` | test, same families | the five above | 50 (new instances) |
| ``shapes_train`` | training | the five + 8 ``shapes`` families | 200 + 8 x 40 = 520 |
| ``shapes_val`` | validation | the same 13 | 5 x 5 + 8 x 10 = 105 (new instances) |
| ``shapes_test`` | test, same families | the same 13 | 50 (``heldout``) + 8 x 10 = 130 |
| ``everyday`` | test, families in no training set | 8 ``everyday`` families | 8 x 20 = 160 |
| ``urdf_train`` | training | pybullet's random_urdfs | objects whose number ends in 1-4, 6-9 (<= 800) |
| ``urdf_val`` | validation | random_urdfs | numbers ending in 5 (<= 100) |
| ``urdf_test`` | test, same generator | random_urdfs | numbers ending in 0 (<= 100; KukaDiverseObjectEnv's) |
| ``mixed_train`` | training | ``shapes_train``'s 13 + random_urdfs | ``shapes_train`` + ``urdf_train`` (<= 1,320) |
| ``extra_train`` | training | ``frustum``, ``plinth`` (``shapes.EXTRA_SHAPE_FAMILIES``) | 2 x 40 = 80 |
| ``diverse_train`` | training | ``shapes_train``'s 13 + ``frustum``, ``plinth`` | 520 + 80 = 600 |
| ``unseen_train`` | training, for ``unseen_val`` | ``shapes_train`` without ``UNSEEN_FAMILIES`` | 200 + 5 x 40 = 400 |
| ``unseen_val`` | validation of novel families | the 3 ``UNSEEN_FAMILIES`` (none in ``unseen_train``) | 3 x 50 = 150 |

``unseen_train`` / ``unseen_val`` measure the step to families no training saw without touching a test set: a
model trained on ``unseen_train`` meets compound, hook and channel shapes for the first time on ``unseen_val``
(the training families nearest the everyday ones: parts on a body's side, C and U shapes, L corners). The shipped
recipe grasps 98.3 % of them (2026-11-23): new families as such are not what is hard.

Anything else is taken as a folder of OBJ/STL meshes (``load_mesh_folder``). Every set is deterministic: the
same objects, in the same order, on every machine (random_urdfs: given the same folder).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grasp_sim.objects.everyday import EVERYDAY_FAMILIES, make_everyday
from grasp_sim.objects.mesh_folder import load_mesh_folder
from grasp_sim.objects.procedural import FAMILIES, _default_splits, object_catalogue
from grasp_sim.objects.shapes import EXTRA_SHAPE_FAMILIES, SHAPE_FAMILIES, family_seed, make_shape
from grasp_sim.objects.spec import ObjectSpec

ROLES = ("train", "val", "test")
#: Instances of each ``shapes`` family per split: indices [0, 40) train, [40, 50) val, [50, 60) test.
SHAPES_PER_SPLIT = {"train": 40, "val": 10, "test": 10}
#: Instances of each old procedural family in ``shapes_val`` (drawn with catalogue seed 1, not 0).
OLD_FAMILY_VAL = 5
EVERYDAY_PER_FAMILY = 20
_SHAPES_SEED = 0
#: The ``shapes`` families ``unseen_train`` leaves out and ``unseen_val`` holds (instances 0-49: train and val).
UNSEEN_FAMILIES = ("compound", "hook", "channel")
_SEEN_SHAPE_FAMILIES = tuple(f for f in SHAPE_FAMILIES if f not in UNSEEN_FAMILIES)  # unseen_train's
_EVERYDAY_SEED = 1


@dataclass(frozen=True)
class ObjectSetInfo:
    """What a named set is for. ``novel_families``: a test set none of whose families is in a training set."""

    name: str
    role: str
    families: tuple[str, ...]
    description: str
    novel_families: bool = False


def _urdf_families() -> tuple[str, ...]:
    return ("random_urdf",)  # random_urdfs.FAMILY (that module is imported only when a urdf set is used)


OBJECT_SETS: dict[str, ObjectSetInfo] = {
    info.name: info
    for info in (
        ObjectSetInfo("train", "train", FAMILIES, "the procedural catalogue's training split (200)"),
        ObjectSetInfo("heldout", "test", FAMILIES, "the procedural catalogue's held-out split (50)"),
        ObjectSetInfo(
            "shapes_train", "train", FAMILIES + SHAPE_FAMILIES, "train + 40 of each shape family (520)"
        ),
        ObjectSetInfo(
            "shapes_val",
            "val",
            FAMILIES + SHAPE_FAMILIES,
            "5 new of each old family + 10 of each shape family",
        ),
        ObjectSetInfo("shapes_test", "test", FAMILIES + SHAPE_FAMILIES, "heldout + 10 of each shape family"),
        ObjectSetInfo(
            "everyday", "test", EVERYDAY_FAMILIES, "20 of each everyday family (160)", novel_families=True
        ),
        ObjectSetInfo("urdf_train", "train", _urdf_families(), "random_urdfs not ending in 0 or 5"),
        ObjectSetInfo("urdf_val", "val", _urdf_families(), "random_urdfs ending in 5"),
        ObjectSetInfo(
            "urdf_test", "test", _urdf_families(), "random_urdfs ending in 0 (KukaDiverseObjectEnv)"
        ),
        ObjectSetInfo(
            "mixed_train", "train", FAMILIES + SHAPE_FAMILIES + _urdf_families(), "shapes_train + urdf_train"
        ),
        ObjectSetInfo("extra_train", "train", EXTRA_SHAPE_FAMILIES, "40 of frustum and plinth each (80)"),
        ObjectSetInfo(
            "diverse_train", "train", FAMILIES + SHAPE_FAMILIES + EXTRA_SHAPE_FAMILIES, "shapes_train + extra_train"
        ),
        ObjectSetInfo(
            "unseen_train",
            "train",
            FAMILIES + _SEEN_SHAPE_FAMILIES,
            "shapes_train without compound, hook and channel (400): the training set for unseen_val",
        ),
        ObjectSetInfo(
            "unseen_val",
            "val",
            UNSEEN_FAMILIES,
            "50 of compound, hook and channel each (150): families unseen_train has none of",
        ),
    )
}


def _index_range(split: str) -> range:
    start = 0
    for name in ("train", "val", "test"):
        if name == split:
            return range(start, start + SHAPES_PER_SPLIT[name])
        start += SHAPES_PER_SPLIT[name]
    raise ValueError(f"unknown split {split!r}")


@functools.cache
def shape_object(family: str, index: int) -> ObjectSpec:
    """Instance ``index`` of a ``shapes`` family (depends on the family name and index only)."""
    rng = np.random.default_rng([_SHAPES_SEED, family_seed(family), index])
    return make_shape(family, rng, f"shape_{family}_{index:03d}")


@functools.cache
def everyday_object(family: str, index: int) -> ObjectSpec:
    """Instance ``index`` of an ``everyday`` family."""
    rng = np.random.default_rng([_EVERYDAY_SEED, family_seed(family), index])
    return make_everyday(family, rng, f"everyday_{family}_{index:03d}")


def _shapes(split: str, families: tuple[str, ...] = SHAPE_FAMILIES) -> list[ObjectSpec]:
    return [shape_object(f, i) for f in families for i in _index_range(split)]


def _old_family_val() -> list[ObjectSpec]:
    import dataclasses

    catalogue = object_catalogue(seed=1, count=OLD_FAMILY_VAL * len(FAMILIES))
    return [dataclasses.replace(o, name=f"val_{o.name}") for o in catalogue]


_BUILDERS: dict[str, Callable[[], list[ObjectSpec]]] = {
    "train": lambda: list(_default_splits()["train"]),
    "heldout": lambda: list(_default_splits()["heldout"]),
    "shapes_train": lambda: [*_default_splits()["train"], *_shapes("train")],
    "shapes_val": lambda: [*_old_family_val(), *_shapes("val")],
    "shapes_test": lambda: [*_default_splits()["heldout"], *_shapes("test")],
    "everyday": lambda: [
        everyday_object(f, i) for f in EVERYDAY_FAMILIES for i in range(EVERYDAY_PER_FAMILY)
    ],
    "extra_train": lambda: _shapes("train", EXTRA_SHAPE_FAMILIES),
    "diverse_train": lambda: [
        *_default_splits()["train"], *_shapes("train"), *_shapes("train", EXTRA_SHAPE_FAMILIES)
    ],
    "unseen_train": lambda: [
        *_default_splits()["train"],
        *_shapes("train", _SEEN_SHAPE_FAMILIES),
    ],
    "unseen_val": lambda: [*_shapes("train", UNSEEN_FAMILIES), *_shapes("val", UNSEEN_FAMILIES)],
}


@functools.cache
def _procedural_set(name: str) -> tuple[ObjectSpec, ...]:
    return tuple(_BUILDERS[name]())


@functools.lru_cache(maxsize=8)
def _urdf_set(split: str, folder: str, cache_dir: str | None, progress: bool) -> tuple[ObjectSpec, ...]:
    import warnings

    from grasp_sim.objects.random_urdfs import load_random_urdfs

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*random_urdfs objects are wider")
        return tuple(
            load_random_urdfs(
                folder, split, cache_dir=Path(cache_dir) if cache_dir else None, progress=progress
            )
        )


def object_set_names() -> tuple[str, ...]:
    return tuple(OBJECT_SETS)


def resolve_object_set(
    object_set: str,
    *,
    cache_dir: str | Path | None = None,
    random_urdfs: str | Path | None = None,
    progress: bool = False,
) -> tuple[ObjectSpec, ...]:
    """The objects of a named set (``OBJECT_SETS``), of a folder of OBJ/STL meshes, or one object of either:
    ``SET:NAME`` (``heldout:heldout_box_010``; seed 003's setting, one known part, uses it).

    ``train`` and ``heldout`` are exactly what ``sample_objects`` draws from. ``urdf_*`` and ``mixed_train``
    need the random_urdfs folder: ``random_urdfs`` or as ``find_random_urdfs`` looks for it
    (``$GRASP_RANDOM_URDFS`` ...); a missing folder raises ``FileNotFoundError`` saying how to get it.
    ``cache_dir``: the convex-decomposition cache (default ``default_cache_dir()``). A name that is neither a
    set nor a folder raises ``ValueError`` (``FileNotFoundError`` if it looks like a path).
    """
    if ":" in object_set and not Path(object_set).expanduser().exists():
        pool_name, name = object_set.rsplit(":", 1)
        pool = resolve_object_set(pool_name, cache_dir=cache_dir, random_urdfs=random_urdfs, progress=progress)
        chosen = tuple(o for o in pool if o.name == name)
        if not chosen:
            shown = ", ".join(o.name for o in pool[:5])
            raise ValueError(
                f"object set {pool_name!r} has no object named {name!r} (it has {len(pool)}: {shown}, ...)"
            )
        return chosen
    if object_set in _BUILDERS:
        return _procedural_set(object_set)
    if object_set == "mixed_train":
        urdfs = resolve_object_set("urdf_train", cache_dir=cache_dir, random_urdfs=random_urdfs, progress=progress)
        return (*_procedural_set("shapes_train"), *urdfs)
    if object_set.startswith("urdf_") and object_set in OBJECT_SETS:
        from grasp_sim.objects.random_urdfs import require_random_urdfs

        folder = str(require_random_urdfs(random_urdfs).resolve())  # found now: the cache key is the folder
        cache = str(cache_dir) if cache_dir is not None else None
        return _urdf_set(object_set.removeprefix("urdf_"), folder, cache, progress)
    path = Path(object_set).expanduser()
    if not path.is_dir() and os.sep not in object_set and not object_set.startswith((".", "~")):
        raise ValueError(
            f"unknown object set {object_set!r}: expected one of {', '.join(OBJECT_SETS)} "
            f"or a folder of OBJ/STL meshes"
        )
    cache = Path(cache_dir) if cache_dir is not None else None
    return tuple(load_mesh_folder(path, cache_dir=cache, progress=progress))


def draw_objects(
    pool: tuple[ObjectSpec, ...] | list[ObjectSpec], count: int, rng: np.random.Generator
) -> list[ObjectSpec]:
    """``min(count, len(pool))`` distinct objects of ``pool``, drawn as ``sample_objects`` draws them (the same
    generator calls, so ``train`` / ``heldout`` scenes are unchanged)."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    count = min(count, len(pool))
    return [pool[i] for i in rng.choice(len(pool), size=count, replace=False)]
