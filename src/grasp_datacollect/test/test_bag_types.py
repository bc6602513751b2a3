"""The typestore: where the .msg files are found and what gets registered."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from grasp_datacollect.bag_types import MSG_DIR_ENV, TOPIC_TYPES, find_msg_dir, grasp_typestore
from grasp_datacollect.episode import Command

from grasp_datacollect import bag_types


def test_source_tree_is_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MSG_DIR_ENV, raising=False)
    msg_dir = find_msg_dir()
    assert (msg_dir / "GripperState.msg").is_file()


def test_env_var_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(find_msg_dir(), tmp_path / "msg")
    monkeypatch.setenv(MSG_DIR_ENV, str(tmp_path / "msg"))
    assert find_msg_dir() == tmp_path / "msg"
    assert "grasp_interfaces/msg/EpisodeOutcome" in grasp_typestore().types


def test_bad_env_var_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MSG_DIR_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=MSG_DIR_ENV):
        find_msg_dir()


def test_nothing_found_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MSG_DIR_ENV, raising=False)
    monkeypatch.setattr(bag_types, "_source_msg_dir", lambda: tmp_path / "missing")
    monkeypatch.setattr(bag_types, "_ament_msg_dir", lambda: None)  # as where no ROS workspace is sourced
    with pytest.raises(FileNotFoundError, match="cannot find the grasp_interfaces"):
        find_msg_dir()


def test_all_topic_types_are_registered() -> None:
    types = grasp_typestore().types
    assert all(msgtype in types for msgtype in TOPIC_TYPES.values())


def test_command_values_match_the_message_constants() -> None:
    motion_command = grasp_typestore().types["grasp_interfaces/msg/MotionCommand"]
    assert {c.name: int(c) for c in Command} == {
        "MOVE": motion_command.MOVE,
        "CLOSE": motion_command.CLOSE,
        "RAISE": motion_command.RAISE,
    }
