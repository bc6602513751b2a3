"""Objects from a folder of .obj/.stl meshes (metres), split into convex parts with CoACD and cached."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from grasp_sim.objects.geometry import GRIPPER_MAX_OPENING, horizontal_widths, hull_volume
from grasp_sim.objects.spec import DEFAULT_FRICTION, ObjectPart, ObjectSpec

if TYPE_CHECKING:
    import trimesh

MESH_SUFFIXES = (".obj", ".stl")
MAX_EXTENT = 0.5  # m; anything larger is almost certainly in millimetres
MIN_EXTENT = 0.005  # m
GRASP_WIDTH_WARNING = GRIPPER_MAX_OPENING - 0.01  # m; leaves 5 mm clearance per finger
MIN_PART_VOLUME = 1e-9  # m^3; slivers below this are dropped (MuJoCo rejects near-zero volumes)
_CACHE_VERSION = 1


def default_cache_dir() -> Path:
    """``$GRASP_SIM_CACHE/convex`` if that variable is set, else ``~/.cache/grasp_sim/convex``."""
    root = os.environ.get("GRASP_SIM_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "grasp_sim") / "convex"


def _load_mesh(path: Path) -> trimesh.Trimesh:
    """Load, check and move a mesh so its bounding-box bottom centre is at the origin."""
    import trimesh

    try:
        mesh = trimesh.load(path, force="mesh")
    except Exception as exc:
        raise ValueError(f"{path}: cannot read mesh ({type(exc).__name__}: {exc})") from exc
    return check_mesh(mesh, path)


def check_mesh(mesh: trimesh.Trimesh, path: Path | str) -> trimesh.Trimesh:
    """Check a mesh in metres (``path`` names it in errors) and move its bounding-box bottom centre to the
    origin; raises ``ValueError`` saying what is wrong (empty, non-finite, millimetres, tiny, flat)."""
    import trimesh

    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.vertices) == 0 or len(mesh.faces) == 0:
        raise ValueError(f"{path}: mesh is empty or unreadable (no vertices or faces)")
    if not np.isfinite(mesh.vertices).all():
        raise ValueError(f"{path}: mesh has non-finite vertex coordinates")
    largest = float(mesh.extents.max())
    if largest > MAX_EXTENT:
        raise ValueError(
            f"{path}: largest extent is {largest:.3g} m (> {MAX_EXTENT} m); meshes must be in metres. "
            f"It looks like millimetres: divide the coordinates by 1000 (e.g. mesh.apply_scale(0.001))."
        )
    if largest < MIN_EXTENT:
        raise ValueError(
            f"{path}: largest extent is {largest:.3g} m (< {MIN_EXTENT} m); too small, wrong units?"
        )
    if hull_volume(mesh.vertices) < MIN_PART_VOLUME:
        raise ValueError(f"{path}: mesh is flat or degenerate (encloses no volume)")
    lo, hi = mesh.bounds
    mesh.apply_translation([-(lo[0] + hi[0]) / 2, -(lo[1] + hi[1]) / 2, -lo[2]])
    return mesh


def decompose(
    path: Path | str, mesh: trimesh.Trimesh, threshold: float, max_convex_hull: int, coacd_options: dict[str, Any]
) -> list[np.ndarray]:
    """Vertex arrays of the convex parts: the mesh itself when convex, else CoACD's decomposition."""
    if mesh.is_convex:
        return [np.asarray(mesh.vertices, dtype=np.float64)]
    import coacd

    if coacd_options.get("preprocess_mode") == "off" and not mesh.is_watertight:
        # CoACD crashes (segfault) on non-manifold input without its remeshing step.
        warnings.warn(f"{path}: mesh is not watertight, using CoACD preprocess_mode='auto'", stacklevel=3)
        coacd_options = {**coacd_options, "preprocess_mode": "auto"}
    coacd.set_log_level("error")
    cmesh = coacd.Mesh(np.asarray(mesh.vertices, dtype=np.float64), np.asarray(mesh.faces, dtype=np.int32))
    parts = coacd.run_coacd(cmesh, threshold=threshold, max_convex_hull=max_convex_hull, **coacd_options)
    verts = [np.asarray(v, dtype=np.float64) for v, _ in parts]
    kept = [v for v in verts if len(v) >= 4 and hull_volume(v) >= MIN_PART_VOLUME]
    return kept or [np.asarray(mesh.convex_hull.vertices, dtype=np.float64)]


def cache_key(data: bytes, params: dict[str, Any]) -> str:
    """Cache file stem for input bytes and the parameters that shape the result."""
    digest = hashlib.sha256(data)
    digest.update(json.dumps({"v": _CACHE_VERSION, **params}, sort_keys=True).encode())
    return digest.hexdigest()


def read_cache(path: Path) -> list[np.ndarray] | None:
    """The vertex arrays stored by ``write_cache``; None when missing or unreadable."""
    try:
        with np.load(path) as npz:
            return [npz[f"part_{i}"] for i in range(int(npz["count"]))]
    except (OSError, KeyError, ValueError):
        return None  # missing or corrupt: recompute


def write_cache(path: Path, parts: list[np.ndarray]) -> None:
    """Store vertex arrays atomically (concurrent writers and readers are safe)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    np.savez(buf, count=len(parts), **{f"part_{i}": v for i, v in enumerate(parts)})
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)  # atomic: concurrent loaders never see a half-written file


def _progress(items: list[Path], enabled: bool) -> Iterable[Path]:
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional
        return items
    return tqdm(items, desc="convex decomposition", unit="mesh", disable=not enabled)


def _unique_name(stem: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]", "_", stem) or "mesh"
    name, k = base, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


def mesh_object(
    name: str,
    parts: list[np.ndarray],
    height: float,
    mass: float,
    family: str = "mesh",
    rgba: tuple[float, float, float, float] | None = None,
) -> ObjectSpec:
    """An ``ObjectSpec`` of convex mesh parts (vertex arrays in the body frame); grey from the name by default."""
    if rgba is None:
        gray = 0.45 + 0.4 * (int(hashlib.sha256(name.encode()).hexdigest()[:4], 16) / 0xFFFF)
        rgba = (gray, gray * 0.9, gray * 0.8, 1.0)
    return ObjectSpec(
        name=name,
        parts=tuple(ObjectPart("mesh", vertices=v) for v in parts),
        mass=mass,
        height=height,
        family=family,
        friction=DEFAULT_FRICTION,
        rgba=rgba,
    )


def too_wide_message(path: Path | str, width: float) -> str:
    return (
        f"{path}: narrowest horizontal width is {width:.3f} m; too wide for a top-down grasp "
        f"with the {GRIPPER_MAX_OPENING} m gripper (needs <= {GRASP_WIDTH_WARNING:.3f} m)"
    )


def load_mesh_folder(
    folder: Path,
    cache_dir: Path | None = None,
    mass: float = 0.15,
    decomposition_threshold: float = 0.08,
    progress: bool = True,
    *,
    max_convex_hull: int = 16,
    coacd_options: dict[str, Any] | None = None,
) -> list[ObjectSpec]:
    """One ``ObjectSpec`` (family ``"mesh"``, named after the file) per .obj/.stl file in ``folder``.

    Meshes must be in metres; each is moved so its bounding-box bottom centre is the body origin.
    Non-convex meshes are decomposed with CoACD (``threshold=decomposition_threshold``, at most
    ``max_convex_hull`` parts, extra ``coacd_options`` passed through); the parts are cached in
    ``cache_dir`` (default: ``default_cache_dir()``) keyed by the file's sha256 and those parameters.
    A file that cannot be used is skipped with a warning naming it and why; no usable file is an error.
    Warns when an object is too wide for a top-down grasp.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"mesh folder {folder} does not exist or is not a directory")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in MESH_SUFFIXES)
    if not files:
        present = ", ".join(sorted(p.name for p in folder.iterdir())) or "nothing"
        raise ValueError(f"no .obj/.stl mesh files in {folder}; it contains: {present}")
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    options = dict(coacd_options or {})
    params = {"threshold": decomposition_threshold, "max_convex_hull": max_convex_hull, **options}
    objects, taken, skipped = [], set(), []
    bar = _progress(files, progress)
    for path in bar:
        if hasattr(bar, "set_postfix_str"):
            bar.set_postfix_str(path.name)
        try:
            data = path.read_bytes()
            mesh = _load_mesh(path)
            cache_file = cache_dir / f"{cache_key(data, params)}.npz"
            parts = read_cache(cache_file)
            if parts is None:
                parts = decompose(path, mesh, decomposition_threshold, max_convex_hull, options)
                write_cache(cache_file, parts)
        except (ValueError, OSError, RuntimeError) as exc:
            message = str(exc) if str(exc).startswith(str(path)) else f"{path}: {exc}"
            warnings.warn(f"skipping {message}", stacklevel=2)
            skipped.append(message)
            continue
        name = _unique_name(path.stem, taken)
        obj = mesh_object(name, parts, float(mesh.extents[2]), mass)
        width = horizontal_widths(obj)[0]
        if width > GRASP_WIDTH_WARNING:
            warnings.warn(too_wide_message(path, width), stacklevel=2)
        objects.append(obj)
    if not objects:
        raise ValueError(f"no usable mesh in {folder}: " + "; ".join(skipped))
    return objects
