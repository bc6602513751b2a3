"""Packaging for grasp_perception: a ROS 2 ament_python package that also installs with pip."""

from setuptools import find_packages, setup

PACKAGE_NAME = "grasp_perception"

setup(
    name=PACKAGE_NAME,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + PACKAGE_NAME]),
        ("share/" + PACKAGE_NAME, ["package.xml"]),
    ],
    # Under ROS, OpenCV comes from python3-opencv; pip installs (the embedded path) take the headless wheel.
    install_requires=["numpy", "onnxruntime>=1.17", "onnx>=1.15", "opencv-python-headless>=4.8"],
    extras_require={"train": ["torch==2.13.0", "onnxscript", "tqdm"]},
    entry_points={
        "console_scripts": [
            "perception_node = grasp_perception.ros.perception_node:main",
            "perception_benchmark = grasp_perception.benchmark:main",
        ],
    },
    zip_safe=True,
    maintainer="grasp stack maintainers",
    maintainer_email="maintainers@grasp-stack.dev",
    description=("Wrist depth preprocessing, the grasp CNN, training, ONNX export and the ONNX Runtime scorer."),
    license="Apache-2.0",
)
