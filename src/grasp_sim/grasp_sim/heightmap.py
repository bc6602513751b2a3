"""A top-down height map of the world's objects, ray cast from straight above (``mujoco.mj_multiRay``).

The grid is axis-aligned in ``base_link``: ``heights[row, col]`` is the height (m above the table top, z = 0) of
whatever a vertical ray through the centre of cell (row, col) hits first; rows run along y, columns along x.
The robot's geoms are not cast, so the arm above the table does not shadow it. Top-down: an overhang reads as
solid down to the table, which is what a gripper coming straight down meets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grasp_sim.arm_model import ROBOT_GEOM_GROUP

#: Height (m) of the single point all rays start from: far enough that they are vertical to within
#: 0.15 m (off-centre) x 0.1 m (object height) / 200 m < 0.1 mm at an object's top.
RAY_ORIGIN_HEIGHT = 200.0


@dataclass(frozen=True)
class Heightmap:
    """Heights (H, W) float32 metres above the table and which object each cell shows (-1: table, nothing)."""

    heights: np.ndarray
    object_index: np.ndarray
    origin_xy: tuple[float, float]  # (x, y) of the centre of cell (0, 0)
    resolution: float  # metres per cell

    @property
    def shape(self) -> tuple[int, int]:
        return self.heights.shape

    def cell_xy(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """(..., 2) world (x, y) of cell centres."""
        x = self.origin_xy[0] + np.asarray(cols) * self.resolution
        y = self.origin_xy[1] + np.asarray(rows) * self.resolution
        return np.stack(np.broadcast_arrays(x, y), axis=-1)

    def cell_of(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest (rows, cols) of world points (..., 2); may lie outside the grid (see ``inside``)."""
        xy = np.asarray(xy, dtype=float)
        cols = np.rint((xy[..., 0] - self.origin_xy[0]) / self.resolution).astype(np.intp)
        rows = np.rint((xy[..., 1] - self.origin_xy[1]) / self.resolution).astype(np.intp)
        return rows, cols

    def inside(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        height, width = self.shape
        return (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)

    def extent(self) -> tuple[float, float, float, float]:
        """(x_min, x_max, y_min, y_max) of the cell centres."""
        height, width = self.shape
        x0, y0 = self.origin_xy
        return x0, x0 + (width - 1) * self.resolution, y0, y0 + (height - 1) * self.resolution


def scene_heightmap(world, resolution: float = 0.002, margin: float = 0.06) -> Heightmap:
    """The height map of a ``GraspWorld``'s current scene over its object region plus ``margin`` (m).

    One ``mj_multiRay`` from high above; robot geoms (group ``ROBOT_GEOM_GROUP``) are excluded. Cells whose ray
    hits the table or nothing read 0 and object index -1.
    """
    import mujoco  # here: the Heightmap class itself is plain numpy (grasp_sim.antipodal works without MuJoCo)

    if resolution <= 0:
        raise ValueError(f"resolution must be > 0, got {resolution}")
    (x_lo, x_hi), (y_lo, y_hi) = world.config.object_region(world.profile.name)
    x_lo, x_hi, y_lo, y_hi = x_lo - margin, x_hi + margin, y_lo - margin, y_hi + margin
    width = int(np.floor((x_hi - x_lo) / resolution + 1e-6)) + 1
    height = int(np.floor((y_hi - y_lo) / resolution + 1e-6)) + 1
    centre = np.array([0.5 * (x_lo + x_hi), 0.5 * (y_lo + y_hi), RAY_ORIGIN_HEIGHT])
    cols, rows = np.meshgrid(np.arange(width), np.arange(height))
    # Ray k goes from the origin to the table top under cell k: its parameter 1 is the table top.
    vectors = np.empty((height * width, 3))
    vectors[:, 0] = x_lo + cols.ravel() * resolution - centre[0]
    vectors[:, 1] = y_lo + rows.ravel() * resolution - centre[1]
    vectors[:, 2] = -RAY_ORIGIN_HEIGHT
    groups = np.ones(6, dtype=np.uint8)
    groups[ROBOT_GEOM_GROUP] = 0
    geom_ids = np.empty(height * width, dtype=np.int32)
    distances = np.empty(height * width, dtype=np.float64)
    mujoco.mj_multiRay(
        world.model, world.data, centre, vectors.ravel(), groups, 1, -1, geom_ids, distances, None,
        height * width, 2 * RAY_ORIGIN_HEIGHT,
    )
    hit = geom_ids >= 0
    heights = np.where(hit, RAY_ORIGIN_HEIGHT * (1.0 - distances), 0.0)
    objects = np.where(hit, world._geom_object[np.maximum(geom_ids, 0)], -1)
    heights = np.where(objects >= 0, np.maximum(heights, 0.0), 0.0)
    return Heightmap(
        heights=heights.reshape(height, width).astype(np.float32),
        object_index=objects.reshape(height, width).astype(np.int32),
        origin_xy=(float(x_lo), float(y_lo)),
        resolution=float(resolution),
    )
