"""``grasp bag-from-record IN OUT``: its options and run (cheap to import; the work is in ``record_convert``)."""

from __future__ import annotations

import argparse
from pathlib import Path

DEPTH_TOPIC = "/wrist_camera/depth/image_raw"  # bag_types.TOPIC_DEPTH_IMAGE, not imported: that pulls in rosbags
HELP = "episode bag from a `ros2 bag record` of the live topics (mcap or sqlite3), as the collector node writes it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``grasp bag-from-record``."""
    parser.add_argument("source", type=Path, help="bag recorded with `ros2 bag record` (mcap or sqlite3)")
    parser.add_argument("out", type=Path, help="new episode bag folder (must not exist)")
    parser.add_argument(
        "--depth-topic", default=DEPTH_TOPIC, help=f"recorded depth image topic (default {DEPTH_TOPIC})"
    )
    parser.add_argument(
        "--compression", choices=["", "zstd"], default="", help="MCAP chunk compression of the output (default none)"
    )
    parser.add_argument(
        "--state-tolerance-s", type=float, default=0.05,
        help="a step's gripper state must be stamped within this of its frame (default 0.05, as the collector)",
    )


def run(args: argparse.Namespace) -> str:
    """Convert, and return the report text (errors: FileNotFoundError, FileExistsError, ValueError)."""
    from grasp_datacollect.record_convert import conversion_text, convert_record

    return conversion_text(
        convert_record(args.source, args.out, args.depth_topic, args.compression, args.state_tolerance_s)
    )
