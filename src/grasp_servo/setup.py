"""Packaging for grasp_servo: a ROS 2 ament_python package that also installs with pip."""

from setuptools import find_packages, setup

PACKAGE_NAME = "grasp_servo"

setup(
    name=PACKAGE_NAME,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + PACKAGE_NAME]),
        ("share/" + PACKAGE_NAME, ["package.xml"]),
    ],
    install_requires=['numpy'],
    entry_points={
        "console_scripts": [
            "servo_node = grasp_servo.ros.servo_node:main",
            "motion_node = grasp_servo.ros.motion_node:main",
        ],
    },
    zip_safe=True,
    maintainer="grasp stack maintainers",
    maintainer_email="maintainers@grasp-stack.dev",
    description="CEM and threshold servoing, heuristics, workspace constraints and robot profiles (plain Python core).",
    license="Apache-2.0",
)
