"""Graspable objects of the embedded world: specs, procedural family, mesh-folder loader."""

from grasp_sim.objects.geometry import (
    GRIPPER_MAX_OPENING,
    horizontal_widths,
    object_points,
    part_volume,
    vertical_extent,
)
from grasp_sim.objects.mesh_folder import default_cache_dir, load_mesh_folder
from grasp_sim.objects.procedural import (
    FAMILIES,
    SPLITS,
    make_object,
    object_catalogue,
    sample_objects,
    split_catalogue,
)
from grasp_sim.objects.spec import ObjectPart, ObjectSpec, add_object

__all__ = [
    "FAMILIES",
    "GRIPPER_MAX_OPENING",
    "SPLITS",
    "ObjectPart",
    "ObjectSpec",
    "add_object",
    "default_cache_dir",
    "horizontal_widths",
    "load_mesh_folder",
    "make_object",
    "object_catalogue",
    "object_points",
    "part_volume",
    "sample_objects",
    "split_catalogue",
    "vertical_extent",
]
