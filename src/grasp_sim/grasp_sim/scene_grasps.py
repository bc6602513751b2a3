"""Ground-truth grasps of a ``GraspWorld``'s current scene: its height map, then antipodal top-down grasps on it."""

from __future__ import annotations

import numpy as np

from grasp_sim.antipodal import GripperFootprint, PlanarGrasps, antipodal_grasps
from grasp_sim.heightmap import Heightmap, scene_heightmap


def scene_grasps(
    world,
    rng: np.random.Generator,
    resolution: float = 0.002,
    margin: float = 0.06,
    samples: int = 2000,
    contact_height: float = 0.01,
    friction: float = 0.5,
) -> tuple[Heightmap, PlanarGrasps]:
    """The scene's height map and its grasps for the world's own gripper at the workspace's grasp height.

    ``world``: a ``GraspWorld`` after ``reset``. Grasp x, y, yaw are ``base_link`` pinch-point poses at
    z = ``world.profile.workspace.z_min``; ``object_index`` indexes ``world.objects``.
    """
    heightmap = scene_heightmap(world, resolution=resolution, margin=margin)
    grasps = antipodal_grasps(
        heightmap,
        GripperFootprint.from_gripper(world.gripper),
        contact_height=contact_height,
        friction=friction,
        samples=samples,
        rng=rng,
        grasp_height=world.profile.workspace.z_min,
    )
    return heightmap, grasps
