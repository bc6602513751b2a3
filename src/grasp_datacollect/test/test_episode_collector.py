"""EpisodeCollector, the collector node's core: live message streams in, episode bags out (no ROS)."""

from __future__ import annotations

from pathlib import Path

import pytest
from graph_stream import Stream, graph_stream
from grasp_datacollect.bag_reader import read_episodes
from grasp_datacollect.bag_recorder import BagRecorder
from grasp_datacollect.bag_types import TOPIC_EPISODE_OUTCOME, TOPIC_EPISODE_START, TOPIC_MOTION_COMMAND
from grasp_datacollect.episode import Episode
from grasp_datacollect.episode_collector import EpisodeCollector
from grasp_datacollect.step_assembler import StepAssembler
from synthetic_episodes import assert_episodes_equal, make_episodes


class Log(list):
    def __call__(self, message: str) -> None:
        self.append(message)


def collect(stream: Stream, bag: Path) -> tuple[list[Episode], Log, Log]:
    warnings, debug = Log(), Log()
    collector = EpisodeCollector(
        BagRecorder(bag, warn=warnings), StepAssembler(warn=warnings), warn=warnings, debug=debug
    )
    for topic, msg, _ in stream:
        collector.handle(topic, msg)
    collector.close()
    collector.close()  # twice is fine
    return list(read_episodes(bag)), warnings, debug


def test_live_stream_becomes_the_episodes(tmp_path: Path) -> None:
    episodes = make_episodes(3)
    recorded, warnings, debug = collect(graph_stream(episodes), tmp_path / "bag")
    assert warnings == []
    assert len(recorded) == 3
    for got, want in zip(recorded, episodes, strict=True):
        assert_episodes_equal(got, want)
    assert sum("start received again" in m for m in debug) == 3  # the re-delivered latched starts


def test_a_late_collector_records_the_current_episode_once(tmp_path: Path) -> None:
    """Joining in episode 8 after its step 0: the latched history (starts 7, 8, outcome 7) comes first, in any order."""
    episodes = make_episodes(3)
    full = graph_stream(episodes)
    commands = [i for i, (topic, msg, _) in enumerate(full) if topic == TOPIC_MOTION_COMMAND and msg.episode_id == 8]
    join = commands[0] + 1
    latched = [m for m in full[:join] if m[0] in (TOPIC_EPISODE_START, TOPIC_EPISODE_OUTCOME)]
    for history in (latched, latched[::-1]):
        bag = tmp_path / f"bag_{len(list(tmp_path.iterdir()))}"
        recorded, warnings, _ = collect(history + full[join:], bag)
        assert warnings == [] and [e.info.episode_id for e in recorded] == [8, 9]
        late = recorded[0]  # step 0 was missed, the rest is as published
        assert late.info == episodes[1].info and late.outcome == episodes[1].outcome
        assert [s.step for s in late.steps] == [s.step for s in episodes[1].steps[1:]]
        assert_episodes_equal(recorded[1], episodes[2])


def test_outcomes_and_starts_delivered_again_are_not_recorded_twice(tmp_path: Path) -> None:
    episodes = make_episodes(2)
    stream = graph_stream(episodes)
    outcome_7 = next(m for m in stream if m[0] == TOPIC_EPISODE_OUTCOME)
    start_7 = next(m for m in stream if m[0] == TOPIC_EPISODE_START)
    stream += [start_7, outcome_7, start_7]  # e.g. a second publisher's history after episode 8 ended
    recorded, warnings, _ = collect(stream, tmp_path / "bag")
    assert warnings == [] and [e.info.episode_id for e in recorded] == [7, 8]


def test_shutdown_keeps_the_episode_in_progress(tmp_path: Path) -> None:
    episodes = make_episodes(2)
    stream = [m for m in graph_stream(episodes) if not (m[0] == TOPIC_EPISODE_OUTCOME and m[1].episode_id == 8)]
    recorded, warnings, _ = collect(stream, tmp_path / "bag")
    assert [e.info.episode_id for e in recorded] == [7, 8]
    assert recorded[1].outcome is None and len(recorded[1].steps) == len(episodes[1].steps)
    assert any("cut off" in w for w in warnings)


def test_an_unknown_topic_is_a_key_error(tmp_path: Path) -> None:
    collector = EpisodeCollector(BagRecorder(tmp_path / "bag"), StepAssembler())
    with pytest.raises(KeyError):
        collector.handle("/elsewhere", object())
    collector.close()
