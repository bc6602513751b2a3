"""Graspable objects of the embedded world: specs, procedural families, mesh folders, random_urdfs, named
object sets and non-overlapping placement."""

from grasp_sim.objects.everyday import EVERYDAY_FAMILIES, make_everyday
from grasp_sim.objects.geometry import (
    GRIPPER_MAX_OPENING,
    horizontal_widths,
    object_points,
    part_volume,
    vertical_extent,
)
from grasp_sim.objects.mesh_folder import default_cache_dir, load_mesh_folder
from grasp_sim.objects.placement import Placement, bounding_radius, footprint_radius, place_objects
from grasp_sim.objects.procedural import (
    FAMILIES,
    SPLITS,
    make_object,
    object_catalogue,
    sample_objects,
    split_catalogue,
)
from grasp_sim.objects.sets import OBJECT_SETS, ObjectSetInfo, draw_objects, object_set_names, resolve_object_set
from grasp_sim.objects.shapes import SHAPE_FAMILIES, make_shape
from grasp_sim.objects.spec import ObjectPart, ObjectSpec, add_object

__all__ = [
    "EVERYDAY_FAMILIES",
    "FAMILIES",
    "GRIPPER_MAX_OPENING",
    "OBJECT_SETS",
    "SHAPE_FAMILIES",
    "SPLITS",
    "ObjectPart",
    "ObjectSetInfo",
    "ObjectSpec",
    "Placement",
    "add_object",
    "bounding_radius",
    "default_cache_dir",
    "draw_objects",
    "find_random_urdfs",
    "footprint_radius",
    "horizontal_widths",
    "load_mesh_folder",
    "load_random_urdfs",
    "make_everyday",
    "make_object",
    "make_shape",
    "object_catalogue",
    "object_points",
    "object_set_names",
    "part_volume",
    "place_objects",
    "resolve_object_set",
    "sample_objects",
    "split_catalogue",
    "vertical_extent",
]


def __getattr__(name: str) -> object:
    # random_urdfs is imported on first use, so that `python -m grasp_sim.objects.random_urdfs` runs it fresh.
    if name in ("find_random_urdfs", "load_random_urdfs"):
        from grasp_sim.objects import random_urdfs

        return getattr(random_urdfs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
