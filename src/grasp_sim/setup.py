"""Packaging for grasp_sim: a ROS 2 ament_python package that also installs with pip."""

from setuptools import find_packages, setup

PACKAGE_NAME = "grasp_sim"

setup(
    name=PACKAGE_NAME,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + PACKAGE_NAME]),
        ("share/" + PACKAGE_NAME, ["package.xml"]),
    ],
    # charset-normalizer: trimesh decodes OBJ files whose comments are not UTF-8 with it.
    install_requires=[
        'numpy', 'scipy', 'networkx', 'tqdm', 'mujoco>=3.2', 'mink>=1.0', 'trimesh>=4', 'charset-normalizer>=3',
        'coacd>=1.0',
    ],
    zip_safe=True,
    entry_points={"console_scripts": ["sim_robot_node = grasp_sim.ros.sim_robot_node:main"]},
    maintainer="grasp stack maintainers",
    maintainer_email="maintainers@grasp-stack.dev",
    description="The embedded MuJoCo grasping world: UR5-class arm, parallel-jaw gripper, wrist depth camera, objects.",
    license="Apache-2.0",
)
