"""Profiles: which model and data a run uses, overrides, and the errors for bad settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import BUNDLED_DATA_DIR, CourseSetupError, output_dir, resolve_profile
from helpers.profiles import FULL_CHECKPOINT, LOCAL_METRIC_DIR, hub_unreachable_reason


def hub_down():
    return "the Hugging Face Hub could not be reached: test"


def hub_up():
    return None


def hub_must_not_be_asked():
    raise AssertionError("the Hub check should not run for this profile")


def test_auto_without_hub_is_offline_and_says_why():
    profile = resolve_profile({}, hub_check=hub_down)
    assert profile.name == "offline"
    assert "could not be reached: test" in profile.reason
    assert Path(profile.checkpoint, "config.json").is_file()
    assert profile.data_dir == BUNDLED_DATA_DIR
    assert profile.metric_path == str(LOCAL_METRIC_DIR)


def test_auto_with_hub_is_full():
    profile = resolve_profile({"COURSE_PROFILE": "auto"}, hub_check=hub_up)
    assert profile.name == "full"
    assert profile.checkpoint == FULL_CHECKPOINT
    assert profile.uses_hub_data
    assert profile.metric_path == "glue"
    assert (profile.num_train_epochs, profile.learning_rate, profile.batch_size) == (3, 2e-5, 16)


def test_offline_by_name_does_not_ask_the_hub():
    profile = resolve_profile({"COURSE_PROFILE": " Offline "}, hub_check=hub_must_not_be_asked)
    assert profile.name == "offline"
    assert profile.reason == "set by COURSE_PROFILE"


def test_wrong_profile_name_names_the_choices():
    with pytest.raises(CourseSetupError, match=r"COURSE_PROFILE='fast' is not a profile(.|\n)*Fix:.*auto, full, offline"):
        resolve_profile({"COURSE_PROFILE": "fast"}, hub_check=hub_must_not_be_asked)


def test_full_without_hub_explains_the_way_out():
    with pytest.raises(CourseSetupError, match=r"needs the Hugging Face Hub(.|\n)*Fix: unset COURSE_PROFILE"):
        resolve_profile({"COURSE_PROFILE": "full"}, hub_check=hub_down)


def test_full_with_local_copies_needs_no_hub(offline_profile, tmp_path):
    env = {
        "COURSE_PROFILE": "full",
        "COURSE_MODEL": offline_profile.checkpoint,
        "COURSE_MRPC_DIR": str(BUNDLED_DATA_DIR),
    }
    profile = resolve_profile(env, hub_check=hub_must_not_be_asked)
    assert profile.name == "full"
    assert profile.checkpoint == str(Path(offline_profile.checkpoint).resolve())
    assert profile.data_dir == BUNDLED_DATA_DIR
    assert "(COURSE_MODEL)" in profile.checkpoint_label
    assert "(COURSE_MRPC_DIR)" in profile.data_label
    assert set(profile.overrides) == {"COURSE_MODEL", "COURSE_MRPC_DIR"}


def test_model_override_accepts_a_hub_id():
    profile = resolve_profile({"COURSE_PROFILE": "offline", "COURSE_MODEL": "google-bert/bert-base-cased"})
    assert profile.checkpoint == "google-bert/bert-base-cased"


def test_model_override_missing_folder(tmp_path):
    with pytest.raises(CourseSetupError, match=r"no such folder exists(.|\n)*Fix:"):
        resolve_profile({"COURSE_PROFILE": "offline", "COURSE_MODEL": str(tmp_path / "nope")})


def test_model_override_folder_without_config(tmp_path):
    with pytest.raises(CourseSetupError, match=r"has no config.json(.|\n)*Fix:"):
        resolve_profile({"COURSE_PROFILE": "offline", "COURSE_MODEL": str(tmp_path)})


def test_data_override_missing_folder(tmp_path):
    with pytest.raises(CourseSetupError, match=r"COURSE_MRPC_DIR=.* is not a folder(.|\n)*Fix:"):
        resolve_profile({"COURSE_PROFILE": "offline", "COURSE_MRPC_DIR": str(tmp_path / "glue")})


def test_hf_hub_offline_counts_as_unreachable(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert hub_unreachable_reason() == "HF_HUB_OFFLINE is set"


def test_output_dir_default_and_override():
    assert output_dir("run", env={}) in (str(Path("runs/run")), str(Path("/content/drive/MyDrive/trainer-course-runs/run")))
    assert output_dir("run", env={"COURSE_OUTPUT_DIR": "/data/ckpt"}) == str(Path("/data/ckpt/run"))
