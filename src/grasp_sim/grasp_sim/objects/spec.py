"""Object descriptions (parts, mass, friction) and adding them to a MuJoCo ``MjSpec`` world.

Frame convention: an object's body frame has its origin at the bottom centre of the object in its
canonical resting pose, z up. Placing the body at ``(x, y, table_top_z)`` rests it on the table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import mujoco
import numpy as np

from grasp_sim.objects.geometry import part_volume

PartKind = Literal["box", "cylinder", "sphere", "capsule", "mesh"]

#: Number of MuJoCo size parameters for each primitive part kind (mesh parts have none).
SIZE_COUNT: dict[str, int] = {"box": 3, "cylinder": 2, "sphere": 1, "capsule": 2, "mesh": 0}

#: (sliding, torsional, rolling) friction used when none is given.
DEFAULT_FRICTION: tuple[float, float, float] = (0.8, 0.005, 0.0001)
#: Contact softness for small, light objects: stiff (10 ms time constant, critically damped).
OBJECT_SOLREF: tuple[float, float] = (0.01, 1.0)
#: Contact impedance: hard contact within 1 mm of penetration.
OBJECT_SOLIMP: tuple[float, float, float, float, float] = (0.95, 0.99, 0.001, 0.5, 2.0)
#: Contact dimensionality: sliding + torsional friction.
OBJECT_CONDIM = 4

_GEOM_TYPE = {
    "box": mujoco.mjtGeom.mjGEOM_BOX,
    "cylinder": mujoco.mjtGeom.mjGEOM_CYLINDER,
    "sphere": mujoco.mjtGeom.mjGEOM_SPHERE,
    "capsule": mujoco.mjtGeom.mjGEOM_CAPSULE,
    "mesh": mujoco.mjtGeom.mjGEOM_MESH,
}


@dataclass(frozen=True, eq=False)
class ObjectPart:
    """One convex collision/visual part of an object, posed in the object's body frame.

    ``size`` follows MuJoCo's geom size (box half-extents; cylinder/capsule radius and half-length;
    sphere radius). Mesh parts carry ``vertices`` (V, 3) instead; MuJoCo collides with their hull.
    """

    kind: PartKind
    size: tuple[float, ...] = ()
    vertices: np.ndarray | None = None
    pos: tuple[float, float, float] = (0.0, 0.0, 0.0)
    quat: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        if self.kind not in SIZE_COUNT:
            raise ValueError(f"unknown part kind {self.kind!r}; expected one of {sorted(SIZE_COUNT)}")
        size = tuple(float(s) for s in self.size)
        if len(size) != SIZE_COUNT[self.kind] or any(s <= 0.0 for s in size):
            raise ValueError(f"{self.kind} part needs {SIZE_COUNT[self.kind]} positive sizes, got {size}")
        object.__setattr__(self, "size", size)
        object.__setattr__(self, "pos", tuple(float(p) for p in self.pos))
        quat = np.asarray(self.quat, dtype=float)
        object.__setattr__(self, "quat", tuple(float(q) for q in quat / np.linalg.norm(quat)))
        if self.kind == "mesh":
            if self.vertices is None:
                raise ValueError("mesh part needs vertices")
            verts = np.array(self.vertices, dtype=np.float64)
            if verts.ndim != 2 or verts.shape[1] != 3 or len(verts) < 4:
                raise ValueError(f"mesh vertices must be (V>=4, 3), got shape {verts.shape}")
            verts.setflags(write=False)
            object.__setattr__(self, "vertices", verts)
        elif self.vertices is not None:
            raise ValueError(f"{self.kind} part must not carry vertices")


@dataclass(frozen=True, eq=False, kw_only=True)
class ObjectSpec:
    """A graspable rigid object: parts in its body frame (origin at its bottom centre), mass, surface."""

    name: str
    parts: tuple[ObjectPart, ...]
    mass: float
    height: float
    family: str
    friction: tuple[float, float, float] = DEFAULT_FRICTION
    rgba: tuple[float, float, float, float] = (0.6, 0.6, 0.6, 1.0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", tuple(self.parts))
        if not self.parts:
            raise ValueError(f"object {self.name!r} has no parts")
        if self.mass <= 0.0 or self.height <= 0.0:
            raise ValueError(f"object {self.name!r} needs positive mass and height")
        if len(self.friction) != 3 or len(self.rgba) != 4:
            raise ValueError(f"object {self.name!r}: friction needs 3 values and rgba 4")

    @property
    def volume(self) -> float:
        """Sum of the part volumes (m^3; overlaps counted twice)."""
        return float(sum(part_volume(p) for p in self.parts))

    def with_physics(self, density: float, sliding_friction: float, volume: float | None = None) -> ObjectSpec:
        """This object made of ``density`` (kg/m^3: mass = density x volume) with sliding friction
        ``sliding_friction``; its torsional and rolling friction are kept. ``volume`` saves recomputing it."""
        if not (density > 0.0 and sliding_friction > 0.0):
            raise ValueError(f"object {self.name!r}: density and friction must be positive")
        mass = density * (self.volume if volume is None else volume)
        friction = (float(sliding_friction), *self.friction[1:])
        return dataclasses.replace(self, mass=float(mass), friction=friction)


def add_object(
    spec: mujoco.MjSpec,
    obj: ObjectSpec,
    name: str,
    pos: Sequence[float],
    quat: Sequence[float] = (1.0, 0.0, 0.0, 0.0),
) -> mujoco._specs.MjsBody:
    """Add ``obj`` as a free body named ``name`` to the world body, its bottom centre at ``pos``.

    One geom per part (group 0, condim 4); the mass is split over the parts by volume so the body
    mass equals ``obj.mass``. Mesh parts get their own meshes named ``{name}_mesh{i}``.
    """
    if spec.body(name) is not None:
        raise ValueError(f"a body named {name!r} already exists in the spec")
    body = spec.worldbody.add_body(name=name, pos=list(map(float, pos)), quat=list(map(float, quat)))
    body.add_freejoint(name=f"{name}_free")
    volumes = np.array([part_volume(p) for p in obj.parts])
    masses = obj.mass * volumes / volumes.sum()
    for i, (part, mass) in enumerate(zip(obj.parts, masses, strict=True)):
        geom = body.add_geom(
            name=f"{name}_geom{i}",
            type=_GEOM_TYPE[part.kind],
            pos=list(part.pos),
            quat=list(part.quat),
            mass=float(mass),
            friction=list(obj.friction),
            rgba=list(obj.rgba),
            condim=OBJECT_CONDIM,
            group=0,
            solref=list(OBJECT_SOLREF),
            solimp=list(OBJECT_SOLIMP),
        )
        if part.kind == "mesh":
            mesh = spec.add_mesh(name=f"{name}_mesh{i}", uservert=part.vertices.ravel().tolist())
            mesh.inertia = mujoco.mjtMeshInertia.mjMESH_INERTIA_CONVEX
            geom.meshname = mesh.name
        else:
            size = list(part.size) + [0.0] * (3 - len(part.size))
            geom.size = size
    return body
