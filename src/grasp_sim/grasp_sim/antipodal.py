"""Ground-truth top-down grasps of a parallel-jaw gripper, from a scene's height map (numpy only).

Every grasp of this stack is top-down: the pinch point comes straight down to a fixed grasp height with the
closing direction at ``yaw``, then the linked fingers close symmetrically about it. On a height map
(``grasp_sim.heightmap.Heightmap``, or anything with its ``heights``, ``object_index``, ``origin_xy``,
``resolution`` and ``cell_xy``) a candidate (x, y, yaw) is a grasp when

- **free descent**: nothing taller than the fingertips (``grasp_height - pinch_above_tips``) lies under either
  open pad (pad thickness along the closing axis x pad width across it, inner faces at +-max_opening / 2), and
  no other object than the grasped one is taller than the palm's underside under the palm (the arm may come
  to rest on the grasped object's top: in the simulation the grasp then still holds);
- **contacts**: each pad, swept inward from open, stops at the first cell taller than the fingertips within
  its width; every such cell between the pads belongs to one object, which rises above ``contact_height``
  within ``ENGAGE_DEPTH`` inside both contacts;
- **fits**: contact-to-contact width <= max_opening - clearance;
- **antipodal**: at each contact the object's outward surface normal lies within the friction cone
  atan(friction) of the closing line. Horizontally: the smoothed occupancy's contour normal, summed over the
  contact patch and also read ``STENCIL`` to either side of it (so a corner counts as its faces, and a box is
  not held corner to corner); vertically: a tilt from how steeply the heights rise inside the contact (a slope
  squeezes out of the pads, a wall holds). Quality = 1 - worse angle / atan(friction), in [0, 1];
- **no hanging**: where a contact is curved (a sphere, a small upright cylinder: a point on each pad), the
  object's height-weighted centroid lies within ``EDGE_MARGIN`` of the pads' width from the closing line, so
  the object does not roll out about the contact axis (flat or large-radius contacts hold anywhere).

Candidates are re-centred on the midpoint of their contacts (the fingers are linked) and checked there, so a
reported grasp is exactly the pose that was checked. Yaws are wrapped to [-pi/2, pi/2) (a half turn is the same
grasp).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from grasp_sim.heightmap import Heightmap

#: Pads of the simulated fingers (grasp_sim.arm_model): 10 mm thick along the closing axis, 24 mm wide.
PAD_THICKNESS = 0.010
PAD_WIDTH = 0.024
GRASP_HEIGHT = 0.015  # m: the pinch point's height above the table at a grasp (the workspace's z_min)
ENGAGE_DEPTH = 0.003  # m: how far inside a contact the object must rise above contact_height
NORMAL_SMOOTHING = 0.003  # m: sigma of the Gaussian on the occupancy whose gradient gives contour normals
STENCIL = 0.003  # m: normals are also read this far to either side of a contact patch's centre
CURVED = math.radians(10.0)  # a contact whose normal turns by more across the stencil is a point, not a face
EDGE_MARGIN = 0.004  # m: a point contact's object centroid stays this far inside the pads' edges
_FIELDS = ("x", "y", "yaw", "width", "object_index", "quality")


def wrap_yaw(yaw: np.ndarray | float) -> np.ndarray:
    """Wrap to [-pi/2, pi/2): a parallel gripper is symmetric under a half turn."""
    return (np.asarray(yaw, dtype=float) + np.pi / 2) % np.pi - np.pi / 2


@dataclass(frozen=True)
class GripperFootprint:
    """What of the gripper a top-down grasp must clear (metres; defaults: the Robotiq 2F-85 model)."""

    max_opening: float = 0.085
    pad_thickness: float = PAD_THICKNESS
    pad_width: float = PAD_WIDTH
    clearance: float = 0.006  # widths above max_opening - clearance are rejected
    finger_length: float = 0.055  # fingertips to the palm's underside
    pinch_above_tips: float = 0.012
    palm_half_size: tuple[float, float] = (0.055, 0.025)  # along the closing axis, along the pads

    @classmethod
    def from_gripper(cls, gripper, clearance: float = 0.006) -> GripperFootprint:
        """From a ``grasp_sim.arms.gripper.GripperGeometry`` (or anything with its attribute names)."""
        return cls(
            max_opening=float(gripper.max_opening),
            clearance=clearance,
            finger_length=float(gripper.finger_length),
            pinch_above_tips=float(gripper.pinch_above_tips),
            palm_half_size=tuple(float(v) for v in gripper.palm_half_size),
        )


@dataclass(frozen=True)
class PlanarGrasps:
    """N top-down grasps as arrays: pinch point x, y (m), yaw (rad, [-pi/2, pi/2)), width (contact to contact,
    m), object index (the height map's), quality in [0, 1]."""

    x: np.ndarray
    y: np.ndarray
    yaw: np.ndarray
    width: np.ndarray
    object_index: np.ndarray
    quality: np.ndarray

    def __len__(self) -> int:
        return len(self.x)

    @property
    def poses(self) -> np.ndarray:
        """(N, 3) x, y, yaw."""
        return np.stack([self.x, self.y, self.yaw], axis=-1).reshape(-1, 3)

    def as_array(self) -> np.ndarray:
        """(N, 6) x, y, yaw, width, object_index, quality."""
        return np.stack([getattr(self, f).astype(float) for f in _FIELDS], axis=-1).reshape(-1, 6)

    @classmethod
    def from_array(cls, array: np.ndarray) -> PlanarGrasps:
        array = np.asarray(array, dtype=float).reshape(-1, 6)
        values = {f: array[:, i].copy() for i, f in enumerate(_FIELDS)}
        values["object_index"] = values["object_index"].astype(int)
        return cls(**values)

    @classmethod
    def empty(cls) -> PlanarGrasps:
        return cls.from_array(np.zeros((0, 6)))

    def select(self, index: np.ndarray) -> PlanarGrasps:
        """The grasps picked by a boolean mask or an index array."""
        return PlanarGrasps(**{f: getattr(self, f)[index] for f in _FIELDS})


# ------------------------------------------------------------------------------------------------ sampling
def antipodal_grasps(
    heightmap: Heightmap,
    footprint: GripperFootprint | None = None,
    contact_height: float = 0.01,
    friction: float = 0.5,
    samples: int = 2000,
    rng: np.random.Generator | None = None,
    grasp_height: float = GRASP_HEIGHT,
    dedupe: tuple[float, float] = (0.003, math.radians(6.0)),
) -> PlanarGrasps:
    """Sample ``samples`` candidates (centres on object cells taller than ``contact_height``, uniform yaws),
    keep the grasps (see the module), then the best of each (x, y, yaw) bin of size ``dedupe`` (m, rad).

    Sorted by quality, best first.
    """
    footprint = footprint or GripperFootprint()
    rng = rng if rng is not None else np.random.default_rng(0)
    rows, cols = np.nonzero((np.asarray(heightmap.object_index) >= 0) & (heightmap.heights > contact_height))
    if len(rows) == 0 or samples <= 0:
        return PlanarGrasps.empty()
    pick = rng.integers(len(rows), size=samples)
    jitter = rng.uniform(-0.5, 0.5, size=(samples, 2)) * heightmap.resolution
    xy = heightmap.cell_xy(rows[pick], cols[pick]) + jitter
    yaw = rng.uniform(-np.pi / 2, np.pi / 2, size=samples)
    grasps, _ = grasps_at(heightmap, xy, yaw, footprint, contact_height, friction, grasp_height)
    return dedupe_grasps(grasps, *dedupe)


def dedupe_grasps(grasps: PlanarGrasps, xy_bin: float, yaw_bin: float) -> PlanarGrasps:
    """The best-quality grasp of each (x, y, yaw) bin, sorted by quality (best first; ties: first given)."""
    if len(grasps) == 0:
        return grasps
    order = np.argsort(-grasps.quality, kind="stable")
    bins = np.stack(
        [
            np.floor(grasps.x / xy_bin),
            np.floor(grasps.y / xy_bin),
            np.floor((grasps.yaw + np.pi / 2) / yaw_bin) % max(1, round(np.pi / yaw_bin)),
        ],
        axis=-1,
    )[order]
    _, first = np.unique(bins, axis=0, return_index=True)
    return grasps.select(order[np.sort(first)])


def grasps_at(
    heightmap: Heightmap,
    xy: np.ndarray,
    yaw: np.ndarray,
    footprint: GripperFootprint | None = None,
    contact_height: float = 0.01,
    friction: float = 0.5,
    grasp_height: float = GRASP_HEIGHT,
) -> tuple[PlanarGrasps, np.ndarray]:
    """Check candidates (xy (N, 2), yaw (N,) or a scalar): each is re-centred on its contacts' midpoint and
    checked there. Returns the grasps (one per valid candidate, in order) and the (N,) mask of valid ones."""
    footprint = footprint or GripperFootprint()
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    yaw = wrap_yaw(np.broadcast_to(np.asarray(yaw, dtype=float), (len(xy),)))
    maps = _Maps.of(heightmap, grasp_height - footprint.pinch_above_tips, contact_height)
    shift, found = _centre_shift(maps, xy, yaw, footprint)
    centred = xy + shift[:, None] * np.stack([np.cos(yaw), np.sin(yaw)], axis=-1)
    result = _evaluate(maps, centred, yaw, footprint, friction)
    valid = found & result["valid"]
    if np.any(valid):
        valid[valid] = _palm_clear(maps, centred[valid], yaw[valid], result["object"][valid], footprint)
    grasps = PlanarGrasps(
        x=centred[valid, 0],
        y=centred[valid, 1],
        yaw=yaw[valid],
        width=result["width"][valid],
        object_index=result["object"][valid],
        quality=result["quality"][valid],
    )
    return grasps, valid


# ------------------------------------------------------------------------------------------------ checks
@dataclass(frozen=True)
class _Maps:
    """A height map's lookups, padded with a border of table cells (points off the map read as table)."""

    origin: tuple[float, float]  # world (x, y) of padded cell (0, 0)
    resolution: float
    shape: tuple[int, int]  # padded (rows, cols)
    tip: float  # m, the fingertips' height at the grasp
    heights: np.ndarray  # flat
    objects: np.ndarray  # flat
    blocked: np.ndarray  # flat: taller than the fingertips
    tall: np.ndarray  # flat: taller than contact_height
    normals: np.ndarray  # (cells, 2) outward contour direction (x, y), unnormalised
    centroids: np.ndarray  # (objects, 2) height-weighted centroid (x, y) of each object's cells

    @classmethod
    def of(cls, heightmap: Heightmap, tip: float, contact_height: float) -> _Maps:
        heights = np.pad(np.asarray(heightmap.heights, dtype=np.float32), 1)
        objects = np.pad(np.asarray(heightmap.object_index, dtype=np.int32), 1, constant_values=-1)
        blocked = heights > tip
        res = float(heightmap.resolution)
        return cls(
            origin=(heightmap.origin_xy[0] - res, heightmap.origin_xy[1] - res),
            resolution=res,
            shape=heights.shape,
            tip=tip,
            heights=heights.ravel(),
            objects=objects.ravel(),
            blocked=blocked.ravel(),
            tall=(heights > contact_height).ravel(),
            normals=_outward_normals(blocked, res),
            centroids=_centroids(heightmap),
        )

    def cells(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Flat index of the nearest (padded) cell of world points; off the map: the border."""
        return self.flat((y - self.origin[1]) / self.resolution, (x - self.origin[0]) / self.resolution)

    def flat(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Flat index of the nearest (padded) cell of fractional (rows, cols); off the map: the border."""
        height, width = self.shape
        r = np.asarray(rows + 0.5).astype(np.int32)  # truncation = rounding here: negatives go to the border
        c = np.asarray(cols + 0.5).astype(np.int32)
        np.clip(r, 0, height - 1, out=r)
        np.clip(c, 0, width - 1, out=c)
        r *= width
        r += c
        return r

    def strip(self, xy: np.ndarray, yaw: np.ndarray, t: np.ndarray, s: np.ndarray) -> np.ndarray:
        """(N, S, T) flat cells at xy + t u + s v (u: closing direction, v: along the pads)."""
        cos, sin = np.cos(yaw).astype(np.float32)[:, None], np.sin(yaw).astype(np.float32)[:, None]
        a = (t / self.resolution).astype(np.float32)[None, :]
        b = (s / self.resolution).astype(np.float32)[None, :]
        col0 = ((xy[:, 0:1] - self.origin[0]) / self.resolution).astype(np.float32)
        row0 = ((xy[:, 1:2] - self.origin[1]) / self.resolution).astype(np.float32)
        cols = (col0 + cos * a)[:, None, :] - (sin * b)[:, :, None]
        rows = (row0 + sin * a)[:, None, :] + (cos * b)[:, :, None]
        return self.flat(rows, cols)


def _centroids(heightmap: Heightmap) -> np.ndarray:
    """(objects, 2) height-weighted centroid of each object's cells (a stand-in for its centre of mass)."""
    index = np.asarray(heightmap.object_index).ravel()
    mine = index >= 0
    count = int(index.max()) + 1 if np.any(mine) else 0
    rows, cols = np.divmod(np.flatnonzero(mine), heightmap.heights.shape[1])
    weights = np.asarray(heightmap.heights, dtype=float).ravel()[mine]
    xy = heightmap.cell_xy(rows, cols)
    total = np.maximum(np.bincount(index[mine], weights, minlength=count), 1e-12)
    return np.stack([np.bincount(index[mine], weights * xy[:, i], minlength=count) / total for i in (0, 1)], -1)


def _outward_normals(occupancy: np.ndarray, resolution: float, sigma_m: float = NORMAL_SMOOTHING) -> np.ndarray:
    """(cells, 2) outward contour direction (minus the gradient) of the Gaussian-smoothed occupancy."""
    smooth = occupancy.astype(float)
    sigma = max(sigma_m / resolution, 0.5)
    radius = max(1, math.ceil(3 * sigma))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    for axis in (0, 1):
        padded = np.pad(smooth, [(radius, radius) if a == axis else (0, 0) for a in (0, 1)], mode="edge")
        length = smooth.shape[axis]
        smooth = sum(w * np.take(padded, np.arange(k, k + length), axis=axis) for k, w in enumerate(taps))
    grad_rows, grad_cols = np.gradient(smooth)
    return -np.stack([grad_cols.ravel(), grad_rows.ravel()], axis=-1)  # (x, y) = (cols, rows)


def _centre_shift(maps: _Maps, xy, yaw, footprint: GripperFootprint) -> tuple[np.ndarray, np.ndarray]:
    """Offset along the closing direction of the midpoint of the pads' contacts, and whether they meet any."""
    half_open = footprint.max_opening / 2
    count = math.floor(half_open / maps.resolution)
    t = np.arange(-count, count + 1) * maps.resolution
    s = np.linspace(-footprint.pad_width / 2, footprint.pad_width / 2, 5)
    profile = maps.blocked[maps.strip(xy, yaw, t, s)].any(axis=1)  # (N, T)
    found = profile.any(axis=1)
    last = len(t) - 1 - np.argmax(profile[:, ::-1], axis=1)
    first = np.argmax(profile, axis=1)
    return np.where(found, 0.5 * (t[last] + t[first]), 0.0), found


def _evaluate(maps: _Maps, xy, yaw, footprint: GripperFootprint, friction: float) -> dict[str, np.ndarray]:
    """Contacts, width, the checks (all but the palm's) and quality of candidates centred at ``xy``."""
    n, res = len(xy), maps.resolution
    half_open = footprint.max_opening / 2
    reach = half_open + footprint.pad_thickness
    count = math.ceil(reach / res - 1e-9)
    t = np.arange(-count, count + 1) * res  # along the closing direction
    lines = max(3, math.ceil(footprint.pad_width / res - 1e-9) + 1)
    s = np.linspace(-footprint.pad_width / 2, footprint.pad_width / 2, lines)  # across, the pads' width
    cells = maps.strip(xy, yaw, t, s)  # (N, S, T)
    blocked = maps.blocked[cells]
    within = np.abs(t) <= half_open + 1e-9
    outer = ~within & (np.abs(t) <= reach + 1e-9)
    hits = blocked & within
    any_hit = hits.any(axis=2)  # (N, S)
    last = len(t) - 1 - np.argmax(hits[:, :, ::-1], axis=2)  # per line: where the + pad stops
    first = np.argmax(hits, axis=2)  # ... and the - pad
    k_plus = np.max(np.where(any_hit, last, -1), axis=1)
    k_minus = np.min(np.where(any_hit, first, len(t)), axis=1)
    found = k_plus >= 0
    k_plus, k_minus = np.maximum(k_plus, 0), np.minimum(k_minus, len(t) - 1)
    width = t[k_plus] - t[k_minus] + res
    i_n = np.arange(n)
    target = maps.objects[cells[i_n, np.argmax(hits[i_n, :, k_plus], axis=1), k_plus]]
    k = np.arange(len(t))[None, :]
    span = (k >= k_minus[:, None]) & (k <= k_plus[:, None])
    others = blocked & span[:, None, :] & (maps.objects[cells] != target[:, None, None])
    one_object = ~others.any(axis=(1, 2))
    descent = ~np.any(blocked & outer[None, None, :], axis=(1, 2))
    fits = width <= footprint.max_opening - footprint.clearance + 1e-9
    geometry = found & (target >= 0) & one_object & descent & fits
    cone = math.atan(friction)
    worse = np.full(n, np.pi)
    engaged = np.zeros(n, dtype=bool)
    if np.any(geometry):
        g = geometry
        sides = [
            _contact(maps, xy[g], yaw[g], t, s, cells[g], hits[g], last[g], k_plus[g], 1),
            _contact(maps, xy[g], yaw[g], t, s, cells[g], hits[g], first[g], k_minus[g], -1),
        ]
        worse[g] = np.maximum(sides[0][0], sides[1][0])
        # Curved contacts are points on the pads: the object must not hang off the axis through them, which
        # passes through its centroid only when that lies well inside the pads' width.
        across = np.stack([-np.sin(yaw[g]), np.cos(yaw[g])], axis=-1)
        lateral = np.einsum("ij,ij->i", maps.centroids[target[g]] - xy[g], across)
        curved = np.maximum(sides[0][2], sides[1][2]) > CURVED
        hangs = curved & (np.abs(lateral) > footprint.pad_width / 2 - EDGE_MARGIN)
        engaged[g] = sides[0][1] & sides[1][1] & ~hangs
    valid = geometry & engaged & (worse <= cone)
    return {
        "valid": valid,
        "width": width,
        "object": target.astype(int),
        "quality": np.where(valid, np.clip(1.0 - worse / cone, 0.0, 1.0), 0.0),
    }


def _contact(maps: _Maps, xy, yaw, t, s, cells, hits, k_line, k_contact, side: int):
    """One pad's contact: (angle, engaged, bend) per candidate.

    The contact patch: the lines whose own first hit (from this pad) is within a sample of the contact.
    Angle between the closing direction and the object's outward normal. Horizontally, the worst of the normal
    summed over the patch and the normals ``STENCIL`` to either side of the patch's centre (a corner reads as
    its faces, not their bisector); vertically, a tilt from how far the object rises one sample inside the
    contact (a slope squeezes out, a wall holds); combined as cos(angle) = cos(horizontal) cos(vertical).
    Engaged: the object rises above contact_height within ``ENGAGE_DEPTH`` inside the contact. Bend: the angle
    between the two stencil normals (how curved the contour is there).
    """
    n, lines, samples = hits.shape
    res = maps.resolution
    u = np.stack([np.cos(yaw), np.sin(yaw)], axis=-1)
    v = np.stack([-u[:, 1], u[:, 0]], axis=-1)
    patch = hits.any(axis=2) & (np.abs(k_line - k_contact[:, None]) <= 1)
    i_n, i_s = np.arange(n)[:, None], np.arange(lines)[None, :]
    weights = patch.astype(float)
    summed = (maps.normals[cells[i_n, i_s, k_line]] * weights[..., None]).sum(axis=1)
    along = (t[k_line] * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
    across = (s[None, :] * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
    centre = xy + along[:, None] * u + across[:, None] * v
    direction = side * u
    horizontal = _angle(summed, direction, missing=np.pi)
    sides = []
    for offset in (-STENCIL, STENCIL):
        point = centre + offset * v
        sides.append(maps.normals[maps.cells(point[:, 0], point[:, 1])])
        horizontal = np.maximum(horizontal, _angle(sides[-1], direction, 0.0))
    bend = _angle(sides[0], sides[1] / np.maximum(np.linalg.norm(sides[1], axis=-1, keepdims=True), 1e-12), 0.0)
    inward = np.clip(k_line - side, 0, samples - 1)
    rise = np.max(np.where(patch, maps.heights[cells[i_n, i_s, inward]], 0.0), axis=1) - maps.tip
    vertical = np.arctan2(res, np.maximum(rise, 1e-6))
    angle = np.arccos(np.clip(np.cos(horizontal) * np.cos(vertical), -1.0, 1.0))
    depth = max(1, math.ceil(ENGAGE_DEPTH / res - 1e-9))
    inside = np.clip(k_contact[:, None] - side * np.arange(depth)[None, :], 0, samples - 1)  # (N, depth)
    engaged = np.any(maps.tall[cells[np.arange(n)[:, None, None], i_s[:, :, None], inside[:, None, :]]], axis=(1, 2))
    return angle, engaged, bend


def _angle(vectors: np.ndarray, direction: np.ndarray, missing: float, min_norm: float = 0.02) -> np.ndarray:
    """Angle between (N, 2) vectors and unit directions; ``missing`` where a vector is (nearly) zero."""
    norm = np.linalg.norm(vectors, axis=-1)
    cosine = np.einsum("ij,ij->i", vectors, direction) / np.maximum(norm, 1e-12)
    return np.where(norm > min_norm, np.arccos(np.clip(cosine, -1.0, 1.0)), missing)


def _palm_clear(maps: _Maps, xy, yaw, target, footprint: GripperFootprint, spacing: float = 0.004) -> np.ndarray:
    """Whether no other object than the grasped one is taller than the palm's underside under the palm."""
    palm_z = maps.tip + footprint.finger_length
    if not np.any(maps.heights > palm_z):
        return np.ones(len(xy), dtype=bool)
    half_x, half_y = footprint.palm_half_size
    t = np.linspace(-half_x, half_x, max(2, math.ceil(2 * half_x / spacing) + 1))
    s = np.linspace(-half_y, half_y, max(2, math.ceil(2 * half_y / spacing) + 1))
    cells = maps.strip(xy, yaw, t, s)
    under = (maps.heights[cells] > palm_z) & (maps.objects[cells] != target[:, None, None])
    return ~under.any(axis=(1, 2))


# ------------------------------------------------------------------------------------------------ labels
def grasp_distance(
    poses: np.ndarray, grasps: PlanarGrasps | np.ndarray, angle_weight: float = 0.001
) -> tuple[np.ndarray, np.ndarray]:
    """Distance of each pose (N, 3: x, y, yaw) to its nearest grasp, and that grasp's index.

    d = sqrt(dx^2 + dy^2) + angle_weight * |yaw difference wrapped to [-90, 90) degrees|: metres plus
    ``angle_weight`` metres per degree (seed 001: 0.001 m/degree), the sum of the two (not a Euclidean norm).
    ``grasps``: ``PlanarGrasps`` or an (M, >=3) array of x, y, yaw. No grasps: distance inf, index -1.
    """
    poses = np.asarray(poses, dtype=float).reshape(-1, 3)
    targets = grasps.poses if isinstance(grasps, PlanarGrasps) else np.asarray(grasps, dtype=float)
    targets = targets.reshape(-1, targets.shape[-1])[:, :3] if targets.size else np.zeros((0, 3))
    distance = np.full(len(poses), np.inf)
    nearest = np.full(len(poses), -1, dtype=int)
    if len(targets) == 0:
        return distance, nearest
    per_radian = angle_weight * 180.0 / math.pi
    chunk = max(1, 1_000_000 // len(targets))
    for start in range(0, len(poses), chunk):
        block = poses[start : start + chunk]
        dx = block[:, None, 0] - targets[None, :, 0]
        dy = block[:, None, 1] - targets[None, :, 1]
        total = np.sqrt(dx * dx + dy * dy)
        turn = block[:, None, 2] - targets[None, :, 2] + np.pi / 2
        np.mod(turn, np.pi, out=turn)
        turn -= np.pi / 2
        np.abs(turn, out=turn)
        turn *= per_radian
        total += turn
        index = np.argmin(total, axis=1)
        nearest[start : start + chunk] = index
        distance[start : start + chunk] = total[np.arange(len(block)), index]
    return distance, nearest


def taught_grasp(grasps: PlanarGrasps, object_index: int, heightmap: Heightmap, radius: float = 0.01) -> int | None:
    """Index of the one "taught" grasp of an object (seed 003's pregrasp pose), or None if it has no grasp.

    The centroid of the object's cells in the height map is its footprint centre. Among the object's grasps
    whose centre lies within ``radius`` (m) of it, the best quality wins (ties: nearer, then lower index); if
    none lies that near, the nearest (ties: better quality, then lower index).
    """
    rows, cols = np.nonzero(np.asarray(heightmap.object_index) == object_index)
    mine = np.flatnonzero(grasps.object_index == object_index)
    if len(rows) == 0 or len(mine) == 0:
        return None
    centroid = heightmap.cell_xy(rows, cols).mean(axis=0)
    distance = np.hypot(grasps.x[mine] - centroid[0], grasps.y[mine] - centroid[1])
    quality = grasps.quality[mine]
    near = distance <= radius
    # np.lexsort sorts by its last key first.
    keys = (mine, distance, -quality, ~near) if np.any(near) else (mine, -quality, distance)
    return int(mine[np.lexsort(keys)[0]])
