"""load_grasp_samples: one sample per recorded frame, motion to the final pose, episode label."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from grasp_datacollect.bag_reader import MalformedBagError
from grasp_datacollect.episode import Episode
from grasp_datacollect.samples import GraspSamples, load_grasp_samples
from grasp_servo.pose import motion_between
from synthetic_episodes import episode_messages, make_episodes, write_episodes, write_raw_bag


def expected_arrays(episodes: list[Episode]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    images, motions, labels = [], [], []
    for episode in episodes:
        assert episode.outcome is not None
        for step in episode.steps:
            images.append(step.depth)
            motions.append(motion_between(step.pose, episode.outcome.final_pose))
            labels.append(float(episode.outcome.success))
    return np.stack(images), np.array(motions, dtype=np.float32), np.array(labels, dtype=np.float32)


def test_samples_of_one_bag(bag_path: Path, episodes: list[Episode]) -> None:
    samples = load_grasp_samples([bag_path], progress=True)
    images, motions, labels = expected_arrays(episodes)
    assert len(samples) == 12
    assert samples.images.dtype == np.float32 and samples.images.shape == (12, 64, 64)
    np.testing.assert_array_equal(samples.images, images)
    assert samples.motions.dtype == np.float32 and samples.motions.shape == (12, 4)
    np.testing.assert_allclose(samples.motions, motions, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(samples.labels, labels)
    np.testing.assert_array_equal(samples.labels, np.repeat([1.0, 0.0, 1.0], 4))
    assert samples.episode_keys.dtype == np.int64
    np.testing.assert_array_equal(samples.episode_keys, np.repeat([0, 1, 2], 4))
    assert samples.steps.dtype == np.int32
    np.testing.assert_array_equal(samples.steps, np.tile(np.arange(4), 3))
    assert samples.sources == [(str(bag_path), 7), (str(bag_path), 8), (str(bag_path), 9)]
    # The last step's motion is the one still to go from the pose it was taken at.
    last = episodes[0].steps[-1]
    assert episodes[0].outcome is not None
    np.testing.assert_allclose(samples.motions[3], last.motion, atol=1e-7)


def test_episode_keys_are_unique_per_bag_and_episode(tmp_path: Path) -> None:
    a = write_episodes(tmp_path / "a", make_episodes(2, seed=1))
    b = write_episodes(tmp_path / "b", make_episodes(2, seed=2))  # same episode ids as in a
    samples = load_grasp_samples([a, b], progress=False)
    np.testing.assert_array_equal(samples.episode_keys, np.repeat([0, 1, 2, 3], 4))
    assert samples.sources == [(str(a), 7), (str(a), 8), (str(b), 7), (str(b), 8)]


def test_episode_without_outcome_is_skipped_with_warning(tmp_path: Path) -> None:
    episodes = make_episodes(3)
    episodes[1].outcome = None
    bag = write_raw_bag(tmp_path / "bag", [m for e in episodes for m in episode_messages(e)])
    with pytest.warns(UserWarning, match=rf"bag {tmp_path / 'bag'}, episode 8: no outcome"):
        samples = load_grasp_samples([bag], progress=False)
    assert len(samples) == 8
    assert [source[1] for source in samples.sources] == [7, 9]


def test_different_image_shapes_are_refused(tmp_path: Path) -> None:
    a = write_episodes(tmp_path / "a", make_episodes(1))
    b = write_episodes(tmp_path / "b", make_episodes(1, shape=(48, 64)))
    with pytest.raises(ValueError, match=r"depth frame is \(48, 64\).*\(64, 64\)"):
        load_grasp_samples([a, b], progress=False)


def test_nothing_loaded_is_an_error(tmp_path: Path) -> None:
    episodes = make_episodes(1)
    episodes[0].outcome = None
    bag = write_episodes(tmp_path / "bag", episodes)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="no samples"):
        load_grasp_samples([bag], progress=False)
    with pytest.raises(ValueError, match="no samples"):
        load_grasp_samples([], progress=False)


def test_malformed_bag_raises(tmp_path: Path, bag_path: Path) -> None:
    (tmp_path / "not_a_bag").mkdir()
    with pytest.raises(MalformedBagError, match="not_a_bag"):
        load_grasp_samples([bag_path, tmp_path / "not_a_bag"], progress=False)


def test_malformed_bag_can_be_skipped_with_a_warning_naming_it(tmp_path: Path, bag_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    good = bag_path
    (broken / "metadata.yaml").write_text((good / "metadata.yaml").read_text().replace("bag.mcap", "broken.mcap"))
    data = (good / "bag.mcap").read_bytes()
    (broken / "broken.mcap").write_bytes(data[: len(data) * 3 // 4] + b"\0" * 64 + data[-64:])
    alone = load_grasp_samples([bag_path], progress=False)
    with pytest.warns(UserWarning, match="broken"):
        mixed = load_grasp_samples([broken, bag_path], progress=False, skip_malformed=True)
    assert len(mixed) == len(alone)
    assert {bag for bag, _ in mixed.sources} == {str(bag_path)}


def test_same_bag_twice_is_refused(bag_path: Path) -> None:
    with pytest.raises(ValueError, match="listed twice"):
        load_grasp_samples([bag_path, bag_path.parent / ".." / bag_path.parent.name / "bag"], progress=False)


def test_concatenate_and_npz(tmp_path: Path) -> None:
    a = load_grasp_samples([write_episodes(tmp_path / "a", make_episodes(2, seed=1))], progress=False)
    b = load_grasp_samples([write_episodes(tmp_path / "b", make_episodes(3, seed=2))], progress=False)
    both = GraspSamples.concatenate([a, b])
    assert len(both) == len(a) + len(b)
    np.testing.assert_array_equal(both.episode_keys, np.repeat(np.arange(5), 4))
    assert both.sources == a.sources + b.sources
    np.testing.assert_array_equal(both.images[len(a) :], b.images)

    both.save_npz(tmp_path / "samples.npz")
    loaded = GraspSamples.load_npz(tmp_path / "samples.npz")
    for name in ("images", "motions", "labels", "episode_keys", "steps"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(both, name))
        assert getattr(loaded, name).dtype == getattr(both, name).dtype
    assert loaded.sources == both.sources


def test_inconsistent_arrays_are_refused() -> None:
    with pytest.raises(ValueError, match="motions"):
        GraspSamples(
            images=np.zeros((2, 4, 4), np.float32),
            motions=np.zeros((3, 4), np.float32),
            labels=np.zeros(2, np.float32),
            episode_keys=np.zeros(2, np.int64),
            steps=np.zeros(2, np.int32),
        )
