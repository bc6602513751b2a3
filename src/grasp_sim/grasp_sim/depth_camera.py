"""A wrist depth camera rendered by ray casting (``mujoco.mj_multiRay``): no OpenGL needed.

The optical frame follows REP 103 for cameras: z forward along the viewing axis, x to the right of the
image, y down. On this gripper the camera is the tool frame itself (z along the tool axis, x along the
closing direction), so image columns point along the tool x axis and image rows along tool y.
Depth is the distance along the optical z axis in metres; pixels where no surface is within ``far``
are ``inf``.

A real camera can be modelled on top of the ideal one (``CameraConfig``):

- ``noise``: a ``DepthNoiseConfig`` (``grasp_sim.depth_noise``): disparity noise and quantisation, minimum and
  maximum range, shadows, edge holes and dropout, drawn from the rng passed to ``render_depth``;
- ``mount_translation`` / ``mount_rotation_xyzw``: the camera somewhere else on the tool than the default
  site (pose of its optical frame in the site frame, metres and a unit quaternion x, y, z, w);
- ``width`` != ``height``: a 16:9 or 4:3 image (``fov_deg`` is the horizontal field of view);
- ``fingers_in_view``: ray-cast the gripper's fingers too (by default the robot's geoms, in geom group 2, are
  not ray-cast at all).
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np

from grasp_sim.arm_model import RGB_CAMERA, ROBOT_GEOM_GROUP
from grasp_sim.depth_noise import DepthNoiseConfig, add_depth_noise

MIN_RESOLUTION = 16
MAX_RESOLUTION = 472


@dataclass(frozen=True)
class CameraConfig:
    """Wrist depth camera settings."""

    width: int = 64
    height: int = 64
    fov_deg: float = 70.0  # horizontal field of view (square pixels; the vertical one follows from height)
    far: float = 1.0  # metres; beyond this a pixel reads inf
    rgb: bool = False  # also render colour (needs an OpenGL context, e.g. MUJOCO_GL=egl)
    noise: DepthNoiseConfig | None = None  # a real sensor's noise and holes; None: ideal depth
    fingers_in_view: bool = False  # ray-cast the fingers (group ROBOT_GEOM_GROUP, minus the palm around the lens)
    # Pose of the optical frame in the camera site's frame (the site is the default wrist camera).
    mount_translation: tuple[float, float, float] = (0.0, 0.0, 0.0)
    mount_rotation_xyzw: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)

    def __post_init__(self) -> None:
        for name, value in (("width", self.width), ("height", self.height)):
            if not MIN_RESOLUTION <= value <= MAX_RESOLUTION:
                raise ValueError(f"camera {name} must be between {MIN_RESOLUTION} and {MAX_RESOLUTION} px, got {value}")
        if not 10.0 <= self.fov_deg <= 150.0:
            raise ValueError(f"camera fov_deg must be between 10 and 150 degrees, got {self.fov_deg}")
        if len(self.mount_translation) != 3 or not np.all(np.isfinite(self.mount_translation)):
            raise ValueError(f"camera mount_translation must be 3 finite numbers, got {self.mount_translation!r}")
        quat = np.asarray(self.mount_rotation_xyzw, dtype=float)
        if quat.shape != (4,) or abs(np.linalg.norm(quat) - 1.0) > 1e-6:
            raise ValueError(f"camera mount_rotation_xyzw must be a unit quaternion, got {self.mount_rotation_xyzw!r}")

    @property
    def focal_px(self) -> float:
        """Focal length in pixels (same for both axes)."""
        return (self.width / 2) / np.tan(np.deg2rad(self.fov_deg) / 2)

    def intrinsics(self) -> np.ndarray:
        """The 3x3 pinhole matrix K (as in sensor_msgs/CameraInfo)."""
        f = self.focal_px
        return np.array([[f, 0, (self.width - 1) / 2], [0, f, (self.height - 1) / 2], [0, 0, 1.0]])

    def mount_matrix(self) -> np.ndarray:
        """The 3x3 rotation of the optical frame in the site frame."""
        x, y, z, w = self.mount_rotation_xyzw
        return np.array(
            [
                [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
            ]
        )


class RayCastDepthCamera:
    """Renders depth from a site of a MuJoCo model by casting one ray per pixel."""

    def __init__(self, model: mujoco.MjModel, site_name: str, config: CameraConfig, geom_groups=(0, 1)):
        self._model = model
        self._site_id = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, site_name)
        if self._site_id < 0:
            raise ValueError(f"camera site '{site_name}' is not in the model")
        self.config = config
        # The lens sits inside the palm: with the robot's geoms in view, rays must not hit the palm they start in.
        self._exclude_body = -1
        if config.fingers_in_view:
            geom_groups = (*geom_groups, ROBOT_GEOM_GROUP)
            self._exclude_body = int(model.site_bodyid[self._site_id])
        self._identity_mount = config.mount_translation == (0.0, 0.0, 0.0) and config.mount_rotation_xyzw == (
            0.0, 0.0, 0.0, 1.0)
        u = (np.arange(config.width) - (config.width - 1) / 2) / config.focal_px
        v = (np.arange(config.height) - (config.height - 1) / 2) / config.focal_px
        uu, vv = np.meshgrid(u, v)
        # Unnormalised rays with optical-z component 1: the ray parameter is then the depth itself.
        self._rays_optical = np.stack([uu, vv, np.ones_like(uu)], axis=-1).reshape(-1, 3)
        self._groups = np.zeros(6, dtype=np.uint8)
        for group in geom_groups:
            self._groups[group] = 1
        n = self._rays_optical.shape[0]
        self._geom_ids = np.zeros(n, dtype=np.int32)
        self._dist = np.zeros(n, dtype=np.float64)
        self._rgb_renderer = None

    def pose(self, data: mujoco.MjData) -> tuple[np.ndarray, np.ndarray]:
        """Camera position and rotation (optical frame -> world) in the current state."""
        origin = data.site_xpos[self._site_id].copy()
        rotation = data.site_xmat[self._site_id].reshape(3, 3).copy()
        if self._identity_mount:
            return origin, rotation
        return origin + rotation @ np.asarray(self.config.mount_translation), rotation @ self.config.mount_matrix()

    def render_depth(self, data: mujoco.MjData, rng: np.random.Generator | None = None) -> np.ndarray:
        """The (height, width) float32 depth image in metres, inf where nothing is within ``far``.

        With ``config.noise`` set, the frame is what that sensor would report (``add_depth_noise``: NaN holes,
        -inf nearer than its minimum range, +inf beyond its maximum), drawn from ``rng``: pass the episode's
        generator (required then).
        """
        if self.config.noise is not None and rng is None:
            raise ValueError("the camera has a noise model: render_depth needs the episode's rng")
        origin, rotation = self.pose(data)
        rays_world = (self._rays_optical @ rotation.T).reshape(-1)
        mujoco.mj_multiRay(
            self._model,
            data,
            origin,
            rays_world,
            self._groups,
            1,
            self._exclude_body,
            self._geom_ids,
            self._dist,
            None,
            self._rays_optical.shape[0],
            self.config.far,
        )
        depth = self._dist.astype(np.float32)
        depth[(self._geom_ids < 0) | (depth < 0) | (depth > self.config.far)] = np.inf
        depth = depth.reshape(self.config.height, self.config.width)
        if self.config.noise is not None:
            depth = add_depth_noise(depth, self.config.noise, rng, self.config.focal_px)
        return depth

    def render_rgb(self, data: mujoco.MjData) -> np.ndarray:
        """An (height, width, 3) uint8 colour image from the same viewpoint, pixel-aligned with the depth.

        Needs an OpenGL context: set ``MUJOCO_GL=egl`` (Debian: libegl1) before importing mujoco.
        """
        if self._rgb_renderer is None:
            camera_id = mujoco.mj_name2id(self._model, mujoco.mjtObj.mjOBJ_CAMERA, RGB_CAMERA)
            if camera_id < 0:
                raise ValueError(f"the model has no camera '{RGB_CAMERA}' for colour images")
            self._model.cam_fovy[camera_id] = self.config.fov_deg
            # Show what the depth camera sees: the geom groups it ray-casts, not the robot itself.
            self._rgb_options = mujoco.MjvOption()
            self._rgb_options.geomgroup[:] = self._groups
            self._rgb_options.sitegroup[:] = 0
            try:
                self._rgb_renderer = mujoco.Renderer(self._model, self.config.height, self.config.width)
            except Exception as error:  # GL context creation fails without a display or EGL
                raise RuntimeError(
                    "RGB rendering needs an OpenGL context: install libegl1 and set MUJOCO_GL=egl "
                    f"before importing mujoco ({error})"
                ) from error
        self._rgb_renderer.update_scene(data, camera=RGB_CAMERA, scene_option=self._rgb_options)
        # No shadows or reflections: several times faster, and no dark patches that are not objects.
        self._rgb_renderer.scene.flags[mujoco.mjtRndFlag.mjRND_SHADOW] = False
        self._rgb_renderer.scene.flags[mujoco.mjtRndFlag.mjRND_REFLECTION] = False
        return self._rgb_renderer.render()
