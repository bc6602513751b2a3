"""Bags cut short (a kill, a power cut) are repaired to hold exactly their finished episodes; rolling bags."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from grasp_datacollect.bag_reader import MalformedBagError, read_episodes
from grasp_datacollect.bag_repair import find_unfinished_bags, is_unfinished_bag, repair_bag
from grasp_datacollect.bag_writer import EpisodeBagWriter
from grasp_datacollect.rolling_bags import RollingEpisodeBags
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcap.reader import make_reader
from synthetic_episodes import assert_episodes_equal, make_episodes, record_episodes


def write_open(path: Path, episodes, compression: str | None = None) -> EpisodeBagWriter:
    """Write the episodes and leave the bag open, as a process that is about to be killed has it."""
    return record_episodes(EpisodeBagWriter(path, compression=compression), episodes)


def snapshot(bag_dir: Path, into: Path) -> Path:
    """What is on disk right now (the writer never gets to close: as after SIGKILL)."""
    into.mkdir()
    for file in bag_dir.iterdir():
        shutil.copy(file, into / file.name)
    return into


@pytest.mark.parametrize("compression", [None, "zstd"])
def test_a_killed_writer_loses_only_the_episode_in_flight(tmp_path, compression):
    episodes = make_episodes(4)
    in_flight = make_episodes(5)[4]
    in_flight.outcome = None
    writer = write_open(tmp_path / "live", [*episodes, in_flight], compression)
    cut = snapshot(tmp_path / "live", tmp_path / "cut")
    writer.close()
    assert is_unfinished_bag(cut) and find_unfinished_bags(tmp_path) == [cut]
    report = repair_bag(cut)
    assert report.episodes_kept == 4
    assert not is_unfinished_bag(cut) and not any(p.name.startswith(".") for p in tmp_path.iterdir())
    repaired = list(read_episodes(cut))
    assert len(repaired) == 4
    for actual, expected in zip(repaired, episodes, strict=True):
        assert_episodes_equal(actual, expected)
    with (cut / f"{cut.name}.mcap").open("rb") as stream:  # the independent reader agrees
        assert make_reader(stream).get_summary().statistics.message_count == report.messages_kept


def test_without_durable_sync_finished_episodes_are_lost(tmp_path):
    """Why the writer syncs: rosbags keeps up to 1 MiB in memory before it writes a chunk."""
    writer = EpisodeBagWriter(tmp_path / "live", durable=False)
    for episode in make_episodes(3):
        writer.start_episode(episode.info)
        for step in episode.steps:
            writer.write_step(step)
        writer.end_episode(episode.outcome)
    cut = snapshot(tmp_path / "live", tmp_path / "cut")
    writer.close()
    with pytest.raises(MalformedBagError, match="no finished episode"):
        repair_bag(cut)
    assert is_unfinished_bag(cut), "nothing is deleted when nothing can be recovered"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fraction=st.floats(0.0, 1.0))
def test_a_file_cut_anywhere_keeps_a_prefix_of_whole_episodes(tmp_path_factory, fraction):
    root = tmp_path_factory.mktemp("cut")
    episodes = make_episodes(3)
    write_open(root / "live", episodes).close()
    mcap_file = root / "live" / "live.mcap"
    data = mcap_file.read_bytes()
    cut = root / "cut"
    cut.mkdir()
    (cut / "cut.mcap").write_bytes(data[: int(len(data) * fraction)])
    try:
        report = repair_bag(cut)
    except MalformedBagError as error:
        assert "no finished episode" in str(error) or "nothing to recover" in str(error)
        return
    repaired = list(read_episodes(cut))
    assert len(repaired) == report.episodes_kept >= 1
    for actual, expected in zip(repaired, episodes, strict=False):
        assert_episodes_equal(actual, expected)


def test_repair_refuses_a_finished_bag(tmp_path):
    write_open(tmp_path / "done", make_episodes(1)).close()
    with pytest.raises(MalformedBagError, match="not an unfinished bag"):
        repair_bag(tmp_path / "done")


def test_rolling_bags_close_every_n_episodes(tmp_path):
    episodes = make_episodes(5)
    with RollingEpisodeBags(tmp_path / "run", episodes_per_bag=2) as bags:
        for episode in episodes:
            bags.start_episode(episode.info)
            for step in episode.steps:
                bags.write_step(step)
            bags.end_episode(episode.outcome)
    assert [p.name for p in bags.paths] == ["run_0000", "run_0001", "run_0002"]
    read = [e for path in bags.paths for e in read_episodes(path)]
    assert [len(list(read_episodes(p))) for p in bags.paths] == [2, 2, 1]
    for actual, expected in zip(read, episodes, strict=True):
        assert_episodes_equal(actual, expected)
    with pytest.raises(ValueError, match="at least 1"):
        RollingEpisodeBags(tmp_path / "x", episodes_per_bag=0)
