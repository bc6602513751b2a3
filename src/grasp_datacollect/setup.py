"""Packaging for grasp_datacollect: a ROS 2 ament_python package that also installs with pip."""

from setuptools import find_packages, setup

PACKAGE_NAME = "grasp_datacollect"

setup(
    name=PACKAGE_NAME,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + PACKAGE_NAME]),
        ("share/" + PACKAGE_NAME, ["package.xml"]),
    ],
    install_requires=['numpy', 'rosbags>=0.10', 'tqdm', 'mcap>=1.2'],
    entry_points={
        "console_scripts": [
            "collector_node = grasp_datacollect.ros.collector_node:main",
        ],
    },
    zip_safe=True,
    maintainer="grasp stack maintainers",
    maintainer_email="maintainers@grasp-stack.dev",
    description=(
        "Episode recording to rosbag2 (MCAP), collection policies and the bag-to-training-samples loader."
    ),
    license="Apache-2.0",
    extras_require={"test": ["pytest>=8,<9", "hypothesis", "mcap-ros2-support"]},
)
