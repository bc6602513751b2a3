"""Packaging for grasp_bringup: a ROS 2 ament_python package that also installs with pip."""

from glob import glob

from setuptools import find_packages, setup

PACKAGE_NAME = "grasp_bringup"

setup(
    name=PACKAGE_NAME,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + PACKAGE_NAME]),
        ("share/" + PACKAGE_NAME, ["package.xml"]),
        ("share/" + PACKAGE_NAME + "/launch", glob("launch/*.launch.py")),
        ("share/" + PACKAGE_NAME + "/config", glob("config/*.yaml")),
        ("share/" + PACKAGE_NAME + "/config/robots", glob("config/robots/*.yaml")),
        ("share/" + PACKAGE_NAME + "/config/gazebo", glob("config/gazebo/*")),
    ],
    install_requires=["numpy", "tqdm", "matplotlib"],
    package_data={PACKAGE_NAME: ["models/*.onnx", "models/*.md", "models/*.json"]},
    entry_points={
        "console_scripts": [
            "grasp = grasp_bringup.cli:main",
            "episode_runner = grasp_bringup.ros.episode_runner:main",
        ],
    },
    zip_safe=False,
    maintainer="grasp stack maintainers",
    maintainer_email="maintainers@grasp-stack.dev",
    description=(
        "Launch files, parameters, and the embedded runner and command line that wire the stack in one process."
    ),
    license="Apache-2.0",
)
