"""The 1,000 procedurally generated objects of pybullet's ``random_urdfs`` (KukaDiverseObjectEnv; Quillen et
al. 2018), read offline from a folder; pybullet itself is never imported nor needed at run time.

Each ``NNN/NNN.urdf`` names an OBJ mesh and its scale (0.015: the OBJ is in units of 15 mm). The OBJ already
holds the object as a union of convex pieces (``o convex_0`` ...): by default those pieces are the parts
(``decomposition="groups"``; more than ``max_convex_hull`` pieces are merged pairwise, cheapest hull first),
or the whole mesh goes through CoACD like a mesh folder (``decomposition="coacd"``: 10-90 s per object here).
The object is then set down on its most probable stable face (``stable_pose=True``), its bounding-box bottom
centre at the body origin. Results are cached with the mesh-folder cache (``default_cache_dir()``).

Split as KukaDiverseObjectEnv does: objects whose number ends in 0 are the test objects (100); of the other
900, those ending in 5 are set aside for validation (100) and the remaining 800 are for training.

Where the folder is looked for (``find_random_urdfs``): an explicit path; ``$GRASP_RANDOM_URDFS``;
``$GRASP_SIM_CACHE/random_urdfs`` or ``~/.cache/grasp_sim/random_urdfs`` (where ``python -m
grasp_sim.objects.random_urdfs`` puts it); an installed ``pybullet_data`` package.
"""

from __future__ import annotations

import argparse
import heapq
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grasp_sim.objects.build import MIN_HEIGHT
from grasp_sim.objects.geometry import horizontal_widths
from grasp_sim.objects.mesh_folder import (
    GRASP_WIDTH_WARNING,
    MIN_PART_VOLUME,
    cache_key,
    check_mesh,
    decompose,
    default_cache_dir,
    mesh_object,
    read_cache,
    write_cache,
)
from grasp_sim.objects.spec import ObjectSpec

ENV_VAR = "GRASP_RANDOM_URDFS"
FAMILY = "random_urdf"
SPLIT_NAMES = ("train", "val", "test")
TEST_DIGIT = 0  # KukaDiverseObjectEnv: test objects are random_urdfs/*0/*.urdf, training ones */*[1-9]/*.urdf
VAL_DIGIT = 5  # set aside from the training ones for validation
DEFAULT_MASS = 0.15  # kg, when the URDF gives none (as load_mesh_folder)
#: Extra scale on top of the URDF's: the objects were made for KukaDiverseObjectEnv's larger gripper; at the
#: URDF's scale 88 % of them are wider than 7.5 cm in every direction (median 9 cm) once set down on their most
#: stable face. x 0.6 keeps the set's size spread and makes every one fit the 85 mm gripper (median 5.4 cm).
SIZE_SCALE = 0.6
_CACHE_VERSION = 1
HOW_TO_GET = (
    "get it with `python -m grasp_sim.objects.random_urdfs` (downloads the pybullet wheel with "
    "`pip download pybullet --no-deps` and unpacks only pybullet_data/random_urdfs, 28 MB, into "
    "~/.cache/grasp_sim/random_urdfs), or point $GRASP_RANDOM_URDFS at a random_urdfs folder"
)


def split_of(number: int) -> str:
    """``"test"`` for object numbers ending in 0, ``"val"`` for those ending in 5, else ``"train"``."""
    digit = number % 10
    return "test" if digit == TEST_DIGIT else "val" if digit == VAL_DIGIT else "train"


def default_folder() -> Path:
    """Where the download command puts the folder: ``$GRASP_SIM_CACHE/random_urdfs`` or
    ``~/.cache/grasp_sim/random_urdfs``."""
    root = os.environ.get("GRASP_SIM_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "grasp_sim") / "random_urdfs"


def _is_random_urdfs(folder: Path) -> bool:
    return folder.is_dir() and any(folder.glob("[0-9][0-9][0-9]/[0-9][0-9][0-9].urdf"))


def find_random_urdfs(path: str | Path | None = None) -> Path | None:
    """The random_urdfs folder: ``path`` if given (None if it is not one), else ``$GRASP_RANDOM_URDFS``, the
    download location (``default_folder()``), or an installed ``pybullet_data``; None when none is found."""
    if path is not None:
        folder = Path(path).expanduser()
        return folder if _is_random_urdfs(folder) else None
    candidates = []
    if os.environ.get(ENV_VAR):
        candidates.append(Path(os.environ[ENV_VAR]).expanduser())
    candidates.append(default_folder())
    spec = importlib.util.find_spec("pybullet_data")  # the data package only: pybullet is not imported
    if spec is not None and spec.submodule_search_locations:
        candidates.extend(Path(p) / "random_urdfs" for p in spec.submodule_search_locations)
    return next((c for c in candidates if _is_random_urdfs(c)), None)


def require_random_urdfs(path: str | Path | None = None) -> Path:
    """``find_random_urdfs(path)``, or ``FileNotFoundError`` saying where it looked and how to get it."""
    folder = find_random_urdfs(path)
    if folder is None:
        where = (
            f"{path}" if path is not None else f"${ENV_VAR}, {default_folder()}, an installed pybullet_data"
        )
        raise FileNotFoundError(f"no random_urdfs folder (NNN/NNN.urdf) found in {where}; {HOW_TO_GET}")
    return folder


@dataclass(frozen=True)
class UrdfMesh:
    """What one random_urdfs URDF says about its object."""

    mesh: Path
    scale: tuple[float, float, float]
    xyz: tuple[float, float, float]
    rpy: tuple[float, float, float]
    mass: float | None
    rgba: tuple[float, float, float, float] | None


def _floats(text: str | None, count: int, default: float) -> tuple[float, ...]:
    if not text:
        return (default,) * count
    values = tuple(float(v) for v in text.split())
    if len(values) == 1 and count > 1:
        values = values * count
    if len(values) != count:
        raise ValueError(f"expected {count} numbers, got {text!r}")
    return values


def read_urdf(path: Path) -> UrdfMesh:
    """The collision mesh (visual if none), its scale and origin, the mass and colour of a one-link URDF."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise ValueError(f"{path}: cannot read URDF ({exc})") from exc
    link = root.find("link")
    if link is None:
        raise ValueError(f"{path}: URDF has no <link>")
    element = link.find("collision")
    if element is None or element.find("geometry/mesh") is None:
        element = link.find("visual")
    mesh = element.find("geometry/mesh") if element is not None else None
    if mesh is None or not mesh.get("filename"):
        raise ValueError(f"{path}: URDF link has no mesh geometry")
    origin = element.find("origin")
    mass = link.find("inertial/mass")
    color = link.find("visual/material/color")
    return UrdfMesh(
        mesh=path.parent / mesh.get("filename").removeprefix("package://"),
        scale=_floats(mesh.get("scale"), 3, 1.0),
        xyz=_floats(origin.get("xyz") if origin is not None else None, 3, 0.0),
        rpy=_floats(origin.get("rpy") if origin is not None else None, 3, 0.0),
        mass=float(mass.get("value")) if mass is not None and mass.get("value") else None,
        rgba=_floats(color.get("rgba"), 4, 1.0) if color is not None and color.get("rgba") else None,
    )


def read_obj_groups(path: Path) -> tuple[np.ndarray, list[np.ndarray]]:
    """Vertices (V, 3) and, per ``o`` / ``g`` group, its triangles (F, 3) as indices into the vertices."""
    vertices: list[list[float]] = []
    groups: list[list[list[int]]] = [[]]
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            tokens = line.split()
            if not tokens:
                continue
            if tokens[0] == "v":
                vertices.append([float(t) for t in tokens[1:4]])
            elif tokens[0] in ("o", "g"):
                if groups[-1]:
                    groups.append([])
            elif tokens[0] == "f":
                idx = [int(t.split("/")[0]) for t in tokens[1:]]
                idx = [i - 1 if i > 0 else len(vertices) + i for i in idx]
                groups[-1].extend([idx[0], idx[j], idx[j + 1]] for j in range(1, len(idx) - 1))
    faces = [np.asarray(g, dtype=np.int64) for g in groups if g]
    if not vertices or not faces:
        raise ValueError(f"{path}: mesh is empty or unreadable (no vertices or faces)")
    verts = np.asarray(vertices, dtype=np.float64)
    if any(f.max() >= len(verts) or f.min() < 0 for f in faces):
        raise ValueError(f"{path}: a face refers to a vertex that does not exist")
    return verts, faces


def _rpy_matrix(rpy: Sequence[float]) -> np.ndarray:
    r, p, y = rpy
    rx = np.array([[1, 0, 0], [0, np.cos(r), -np.sin(r)], [0, np.sin(r), np.cos(r)]])
    ry = np.array([[np.cos(p), 0, np.sin(p)], [0, 1, 0], [-np.sin(p), 0, np.cos(p)]])
    rz = np.array([[np.cos(y), -np.sin(y), 0], [np.sin(y), np.cos(y), 0], [0, 0, 1]])
    return rz @ ry @ rx


def _hull_points(points: np.ndarray) -> np.ndarray:
    from scipy.spatial import ConvexHull

    return points[ConvexHull(points).vertices]


def _hull_volume(points: np.ndarray) -> float:
    """Convex hull volume with scipy (a tenth of the time of ``hull_volume``'s trimesh)."""
    from scipy.spatial import ConvexHull, QhullError

    try:
        return float(ConvexHull(points).volume)
    except (QhullError, ValueError):
        return 0.0


def merge_parts(parts: list[np.ndarray], max_parts: int) -> list[np.ndarray]:
    """Merge convex parts pairwise (the pair whose joint hull adds the least volume first) until at most
    ``max_parts`` remain."""
    parts = [_hull_points(p) for p in parts]
    if len(parts) <= max_parts:
        return parts
    volumes = {i: _hull_volume(p) for i, p in enumerate(parts)}
    alive = dict(enumerate(parts))
    heap: list[tuple[float, int, int]] = []

    def push(i: int, j: int) -> None:
        joint = np.concatenate([alive[i], alive[j]])
        heapq.heappush(heap, (_hull_volume(joint) - volumes[i] - volumes[j], i, j))

    keys = list(alive)
    for a, i in enumerate(keys):
        for j in keys[a + 1 :]:
            push(i, j)
    next_id = len(parts)
    while len(alive) > max_parts:
        _, i, j = heapq.heappop(heap)
        if i not in alive or j not in alive:
            continue
        merged = _hull_points(np.concatenate([alive.pop(i), alive.pop(j)]))
        volumes[next_id] = _hull_volume(merged)
        alive[next_id] = merged
        for k in list(alive):
            if k != next_id:
                push(k, next_id)
        next_id += 1
    return list(alive.values())


def _stable_pose(parts: list[np.ndarray]) -> list[np.ndarray]:
    """Parts rotated onto the most probable stable face of their joint hull (centre of mass: volume-weighted
    part centroids), then moved so the bounding-box bottom centre is the origin."""
    import trimesh

    hulls = [trimesh.convex.convex_hull(p) for p in parts]
    volumes = np.array([h.volume for h in hulls])
    com = volumes @ np.array([h.center_mass for h in hulls]) / volumes.sum()
    whole = trimesh.convex.convex_hull(np.concatenate(parts))
    poses, probabilities = whole.compute_stable_poses(center_mass=com)
    pose = poses[int(np.argmax(probabilities))] if len(poses) else np.eye(4)
    return [trimesh.transform_points(p, pose) for p in parts]


def _recentre(parts: list[np.ndarray]) -> tuple[list[np.ndarray], float]:
    allp = np.concatenate(parts)
    lo, hi = allp.min(0), allp.max(0)
    shift = np.array([-(lo[0] + hi[0]) / 2, -(lo[1] + hi[1]) / 2, -lo[2]])
    return [p + shift for p in parts], float(hi[2] - lo[2])


def _object_parts(
    urdf: UrdfMesh,
    source: Path,
    size_scale: float,
    decomposition: str,
    max_convex_hull: int,
    stable_pose: bool,
    threshold: float,
    coacd_options: dict[str, Any],
) -> list[np.ndarray]:
    import trimesh

    verts, groups = read_obj_groups(urdf.mesh)
    verts = (verts * np.asarray(urdf.scale) @ _rpy_matrix(urdf.rpy).T + np.asarray(urdf.xyz)) * size_scale
    whole = check_mesh(trimesh.Trimesh(verts, np.concatenate(groups), process=False), source)
    if decomposition == "coacd":
        parts = decompose(
            source, trimesh.Trimesh(whole.vertices, whole.faces), threshold, max_convex_hull, coacd_options
        )
    else:
        pieces = [verts[np.unique(g)] for g in groups]
        pieces = [p for p in pieces if len(p) >= 4 and _hull_volume(p) >= MIN_PART_VOLUME]
        if not pieces:
            raise ValueError(
                f"{source}: every convex piece is a sliver (under {MIN_PART_VOLUME * 1e9:g} mm^3)"
            )
        parts = merge_parts(pieces, max_convex_hull)
    if stable_pose:
        parts = _stable_pose(parts)
    return _recentre(parts)[0]


def urdf_numbers(folder: Path) -> list[int]:
    """The object numbers NNN that have ``NNN/NNN.urdf`` in ``folder``, ascending."""
    return sorted(
        int(p.stem) for p in folder.glob("[0-9][0-9][0-9]/[0-9][0-9][0-9].urdf") if p.parent.name == p.stem
    )


def load_random_urdfs(
    folder: str | Path | None = None,
    split: str | None = None,
    numbers: Iterable[int] | None = None,
    *,
    size_scale: float = SIZE_SCALE,
    cache_dir: Path | None = None,
    decomposition: str = "groups",
    max_convex_hull: int = 16,
    stable_pose: bool = True,
    mass: float | None = None,
    min_height: float = MIN_HEIGHT,
    decomposition_threshold: float = 0.08,
    coacd_options: dict[str, Any] | None = None,
    progress: bool = False,
) -> list[ObjectSpec]:
    """ObjectSpecs (family ``"random_urdf"``, named ``urdf_NNN``) of a random_urdfs folder.

    ``folder``: as ``require_random_urdfs``. ``split``: ``"train"``, ``"val"``, ``"test"`` (see ``split_of``)
    or None for all; ``numbers`` restricts further. The URDF's scale and origin are applied, then ``size_scale``
    (default ``SIZE_SCALE``, 0.6; 1.0 gives the URDF's sizes); ``mass`` (kg) overrides the URDF's (0.1 kg in
    every file). A file that cannot be used is skipped with a warning naming it
    (168 has NaN vertices, 295 / 602 / 824 are slivers, 8 are under ``min_height`` once set down);
    objects too wide for a top-down grasp are counted in one warning.
    """
    if decomposition not in ("groups", "coacd"):
        raise ValueError(f"decomposition must be 'groups' or 'coacd', got {decomposition!r}")
    if split is not None and split not in SPLIT_NAMES:
        raise ValueError(f"unknown random_urdfs split {split!r}; expected one of {SPLIT_NAMES}")
    root = require_random_urdfs(folder)
    wanted = urdf_numbers(root)
    if split is not None:
        wanted = [n for n in wanted if split_of(n) == split]
    if numbers is not None:
        chosen = set(numbers)
        wanted = [n for n in wanted if n in chosen]
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    options = dict(coacd_options or {})
    params = {
        "random_urdfs": _CACHE_VERSION,
        "decomposition": decomposition,
        "max_convex_hull": max_convex_hull,
        "stable_pose": stable_pose,
        "size_scale": size_scale,
        **({"threshold": decomposition_threshold, **options} if decomposition == "coacd" else {}),
    }
    objects, skipped, too_wide = [], [], []
    items: Iterable[int] = wanted
    if progress:
        try:
            from tqdm.auto import tqdm

            items = tqdm(wanted, desc="random_urdfs", unit="object")
        except ImportError:
            pass
    for number in items:
        source = root / f"{number:03d}" / f"{number:03d}.urdf"
        try:
            urdf = read_urdf(source)
            data = source.read_bytes() + b"\0" + urdf.mesh.read_bytes()
            cache_file = cache_dir / f"{cache_key(data, params)}.npz"
            parts = read_cache(cache_file)
            if parts is None:
                parts = _object_parts(
                    urdf,
                    source,
                    size_scale,
                    decomposition,
                    max_convex_hull,
                    stable_pose,
                    decomposition_threshold,
                    options,
                )
                write_cache(cache_file, parts)
        except (ValueError, OSError, RuntimeError) as exc:
            message = str(exc) if str(exc).startswith(str(source)) else f"{source}: {exc}"
            warnings.warn(f"skipping {message}", stacklevel=2)
            skipped.append(message)
            continue
        height = float(max(p[:, 2].max() for p in parts))
        if height < min_height:
            message = (
                f"{source}: {height * 1000:.1f} mm tall once set down, too flat to pinch "
                f"(needs {min_height * 1000:.0f} mm: the fingertips stop 3 mm above the table)"
            )
            warnings.warn(f"skipping {message}", stacklevel=2)
            skipped.append(message)
            continue
        rgba = tuple(float(v) for v in urdf.rgba) if urdf.rgba else None
        obj = mesh_object(
            f"urdf_{number:03d}", parts, height, mass or urdf.mass or DEFAULT_MASS, family=FAMILY, rgba=rgba
        )
        if horizontal_widths(obj)[0] > GRASP_WIDTH_WARNING:
            too_wide.append(obj.name)
        objects.append(obj)
    if too_wide:
        warnings.warn(
            f"{len(too_wide)} of {len(objects)} random_urdfs objects are wider than {GRASP_WIDTH_WARNING:.3f} m "
            f"everywhere seen from above (graspable only by a part, if at all): {', '.join(too_wide[:10])}"
            + (" ..." if len(too_wide) > 10 else ""),
            stacklevel=2,
        )
    if not objects:
        raise ValueError(f"no usable object in {root} (split {split}): " + "; ".join(skipped[:5]))
    return objects


# --------------------------------------------------------------------------------------------- fetching
_MARKER = "pybullet_data/random_urdfs/"


def extract_random_urdfs(archive: Path, dest: Path) -> Path:
    """Unpack only ``pybullet_data/random_urdfs/`` of a pybullet wheel (.whl) or sdist (.tar.gz) into
    ``dest`` (which then holds ``NNN/NNN.urdf`` ...); returns ``dest``."""
    archive, dest = Path(archive), Path(dest)

    def target(name: str) -> Path | None:
        at = name.find(_MARKER)
        if at < 0 or name.endswith("/"):
            return None
        rel = Path(name[at + len(_MARKER) :])
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            return None
        return dest / rel

    count = 0
    dest.mkdir(parents=True, exist_ok=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                out = target(info.filename)
                if out is not None:
                    out.parent.mkdir(parents=True, exist_ok=True)
                    with zf.open(info) as src, open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                    count += 1
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tf:
            for member in tf:
                out = target(member.name) if member.isfile() else None
                if out is not None:
                    out.parent.mkdir(parents=True, exist_ok=True)
                    with tf.extractfile(member) as src, open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                    count += 1
    else:
        raise ValueError(f"{archive}: neither a wheel (zip) nor an sdist (tar)")
    if count == 0 or not _is_random_urdfs(dest):
        raise ValueError(f"{archive}: holds no {_MARKER} folder")
    return dest


def fetch_random_urdfs(
    dest: Path | None = None, archive: Path | None = None, pip_args: Sequence[str] = ()
) -> Path:
    """Put random_urdfs into ``dest`` (default ``default_folder()``): from ``archive`` if given, else from a
    ``pip download pybullet --no-deps`` into a temporary folder (nothing is installed)."""
    dest = Path(dest) if dest is not None else default_folder()
    if archive is not None:
        return extract_random_urdfs(archive, dest)
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "pip", "download", "pybullet", "--no-deps", "-d", tmp, *pip_args]
        subprocess.run(command, check=True)
        (downloaded,) = [p for p in Path(tmp).iterdir() if p.is_file()]
        return extract_random_urdfs(downloaded, dest)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grasp_sim.objects.random_urdfs",
        description="Get pybullet's random_urdfs objects (1,000 URDF + OBJ, 28 MB) for offline use, without "
        "installing pybullet: downloads the wheel with pip (or reads one you have) and unpacks only "
        "pybullet_data/random_urdfs.",
    )
    parser.add_argument("--dest", type=Path, default=None, help=f"target folder (default {default_folder()})")
    parser.add_argument(
        "--archive", type=Path, default=None, help="a pybullet wheel or sdist already downloaded"
    )
    parser.add_argument(
        "--where", action="store_true", help="only print the folder that would be used, if any"
    )
    args, pip_args = parser.parse_known_args(argv)
    if args.where:
        found = find_random_urdfs()
        print(found if found else f"none found; {HOW_TO_GET}")
        return 0 if found else 1
    folder = fetch_random_urdfs(args.dest, args.archive, pip_args)
    print(f"random_urdfs: {len(urdf_numbers(folder))} objects in {folder}")
    if args.dest is not None and folder.resolve() != default_folder().resolve():
        print(f"use it with: export {ENV_VAR}={folder.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
