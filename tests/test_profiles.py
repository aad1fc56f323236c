"""Profiles: which model and data a run uses, overrides, and the errors for bad settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from glue_files import write_tsv
from helpers import BUNDLED_DATA_DIR, CourseSetupError, output_dir, resolve_profile
from helpers.display import banner
from helpers.i18n import set_language
from helpers.profiles import FULL_CHECKPOINT, LOCAL_METRIC_DIR, SMALL_DATA_PAIRS, hub_unreachable_reason


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
    with pytest.raises(
        CourseSetupError, match=r"COURSE_PROFILE='fast' is not a profile(.|\n)*Fix:.*auto, full, offline"
    ):
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
    # The metric comes from the local copy too: nothing of this run needs the Hub.
    assert not profile.uses_hub
    assert profile.metric_path == str(LOCAL_METRIC_DIR)
    assert "local copy" in banner(profile)


def test_model_override_accepts_a_hub_id():
    env = {"COURSE_PROFILE": "offline", "COURSE_MODEL": "google-bert/bert-base-cased"}
    profile = resolve_profile(env, hub_check=hub_up)
    assert profile.checkpoint == "google-bert/bert-base-cased"
    assert profile.uses_hub and profile.metric_path == "glue"


def test_a_hub_model_id_without_the_hub_stops_at_the_banner_with_the_fix():
    env = {"COURSE_PROFILE": "offline", "COURSE_MODEL": "google-bert/bert-base-cased"}
    with pytest.raises(CourseSetupError, match=r"is a Hub model id, but .*test(.|\n)*Fix: point COURSE_MODEL"):
        resolve_profile(env, hub_check=hub_down)
    # Chosen automatically (the Hub is down, so offline), the same model id stops the same way.
    with pytest.raises(CourseSetupError, match=r"is a Hub model id"):
        resolve_profile({"COURSE_MODEL": "google-bert/bert-base-cased"}, hub_check=hub_down)


def test_base_model_names_what_a_model_card_links(offline_profile, tmp_path):
    assert offline_profile.base_model == "sentence-transformers/all-MiniLM-L6-v2"
    assert resolve_profile({"COURSE_PROFILE": "auto"}, hub_check=hub_up).base_model == "bert-base-uncased"
    hub_id = {"COURSE_PROFILE": "offline", "COURSE_MODEL": "google-bert/bert-base-cased"}
    assert resolve_profile(hub_id, hub_check=hub_up).base_model == "google-bert/bert-base-cased"
    folder = tmp_path / "my-bert"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    local = resolve_profile({"COURSE_PROFILE": "offline", "COURSE_MODEL": str(folder)}, hub_check=hub_down)
    assert local.base_model == "my-bert"


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
    assert output_dir("run", env={}) in (
        str(Path("runs/run")),
        str(Path("/content/drive/MyDrive/trainer-course-runs/run")),
    )
    assert output_dir("run", env={"COURSE_OUTPUT_DIR": "/data/ckpt"}) == str(Path("/data/ckpt/run"))


@pytest.fixture
def chinese():
    set_language("zh-TW")
    yield
    set_language("en")


def test_a_zh_tw_run_has_an_output_folder_of_its_own(chinese):
    """The zh-TW twins' runs go under zh-TW/, wherever the runs go: a twin never lists the files the
    English run of the same notebook left in its folder (lesson 7's model card, README.md)."""
    assert output_dir("07_use_and_share", env={}) in (
        str(Path("runs/zh-TW/07_use_and_share")),
        str(Path("/content/drive/MyDrive/trainer-course-runs/zh-TW/07_use_and_share")),
    )
    assert output_dir("run", env={"COURSE_OUTPUT_DIR": "/data/ckpt"}) == str(Path("/data/ckpt/zh-TW/run"))
    kaggle = {"KAGGLE_KERNEL_RUN_TYPE": "Interactive"}
    assert output_dir("run", env=kaggle) == "/kaggle/working/trainer-course-runs/zh-TW/run"
    set_language("en")
    assert output_dir("run", env={"COURSE_OUTPUT_DIR": "/data/ckpt"}) == str(Path("/data/ckpt/run"))


def test_a_model_card_names_the_data_in_english_whatever_the_language(chinese, tmp_path):
    """The banner's data label follows the language; the one lesson 7 sends to the Hub does not."""
    offline = resolve_profile({"COURSE_PROFILE": "offline"})
    assert offline.data_label == "課程附帶的 MRPC 風格句子對（helpers/data/mrpc）"
    assert offline.card_data_label == "bundled MRPC-style pairs (helpers/data/mrpc)"
    full = resolve_profile({"COURSE_PROFILE": "full"}, hub_check=hub_up)
    assert full.card_data_label == "GLUE MRPC from the Hub (nyu-mll/glue, mrpc)"
    folder = pairs_folder(tmp_path / "glue", 10)
    local = resolve_profile({"COURSE_PROFILE": "offline", "COURSE_MRPC_DIR": str(folder)})
    assert local.data_label == f"GLUE MRPC 資料夾 {folder}（COURSE_MRPC_DIR）"
    assert local.card_data_label == f"GLUE MRPC folder {folder} (COURSE_MRPC_DIR)"
    set_language("en")
    assert resolve_profile({"COURSE_PROFILE": "offline"}).data_label == offline.card_data_label


def test_output_dir_on_kaggle_is_its_writable_working_folder():
    kaggle = {"KAGGLE_KERNEL_RUN_TYPE": "Interactive"}
    assert output_dir("03_trainer_training", env=kaggle) == "/kaggle/working/trainer-course-runs/03_trainer_training"
    # An explicit folder still wins.
    assert output_dir("run", env={**kaggle, "COURSE_OUTPUT_DIR": "/data/ckpt"}) == str(Path("/data/ckpt/run"))


def pairs_folder(folder, train_pairs):
    """A GLUE-layout folder whose train.tsv has ``train_pairs`` pairs."""
    folder.mkdir()
    line = "1\t1\t2\tShares rose 5 percent .\tThe stock gained 5 percent ."
    write_tsv(folder / "train.tsv", [line] * train_pairs)
    write_tsv(folder / "dev.tsv", [line])
    write_tsv(folder / "test.tsv", [line])
    return folder


def test_offline_settings_follow_the_training_size(tmp_path):
    small = resolve_profile({"COURSE_PROFILE": "offline"})
    assert small.train_pairs == 480
    assert (small.num_train_epochs, small.batch_size, small.learning_rate) == (3, 8, 1e-4)

    real_size = pairs_folder(tmp_path / "real-size", 3668)
    large = resolve_profile({"COURSE_PROFILE": "offline", "COURSE_MRPC_DIR": str(real_size)})
    assert large.train_pairs == 3668
    assert (large.num_train_epochs, large.batch_size, large.learning_rate) == (3, 16, 5e-5)

    edge = resolve_profile(
        {"COURSE_PROFILE": "offline", "COURSE_MRPC_DIR": str(pairs_folder(tmp_path / "edge", SMALL_DATA_PAIRS))}
    )
    assert edge.batch_size == 16


def test_banner_shows_the_settings_in_force_and_why(tmp_path):
    text = banner(resolve_profile({"COURSE_PROFILE": "offline"}))
    assert "training   : 3 epochs, batch 8, learning rate 1e-04 (480 training pairs: under 1,000" in text
    real_size = pairs_folder(tmp_path / "real-size", 3668)
    text = banner(resolve_profile({"COURSE_PROFILE": "offline", "COURSE_MRPC_DIR": str(real_size)}))
    assert "batch 16, learning rate 5e-05 (3,668 training pairs: 1,000 or more" in text


def test_a_folder_without_train_tsv_gets_the_small_data_settings_and_the_loader_reports_it(tmp_path):
    (tmp_path / "empty").mkdir()
    profile = resolve_profile({"COURSE_PROFILE": "offline", "COURSE_MRPC_DIR": str(tmp_path / "empty")})
    assert profile.train_pairs is None and profile.batch_size == 8
    assert "not counted" in profile.settings_reason
