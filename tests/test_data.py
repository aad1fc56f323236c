"""The MRPC loader: bundled data, a GLUE-layout folder written here, and bad inputs."""

from __future__ import annotations

import pytest

from glue_files import write_tsv
from helpers import MRPC_FEATURES, MRPCDataError, label_balance, load_mrpc, load_mrpc_folder, resolve_profile
from helpers.data import NO_LABEL


def test_bundled_splits_and_features(bundled):
    assert list(bundled) == ["train", "validation", "test"]
    for split in bundled.values():
        assert split.features == MRPC_FEATURES
        assert split["idx"] == list(range(len(split)))
    assert len(bundled["train"]) >= 400
    assert len(bundled["validation"]) >= 100
    assert len(bundled["test"]) >= 100


@pytest.mark.parametrize("split", ["train", "validation", "test"])
def test_bundled_label_balance_is_about_two_thirds_paraphrases(bundled, split):
    counts = label_balance(bundled[split])
    share = counts["equivalent"] / sum(counts.values())
    assert 0.6 <= share <= 0.72, counts


def test_bundled_splits_do_not_share_pairs(bundled):
    seen = {}
    for name, split in bundled.items():
        pairs = set(zip(split["sentence1"], split["sentence2"], strict=True))
        assert len(pairs) == len(split), f"duplicate pairs inside {name}"
        for other, other_pairs in seen.items():
            assert not pairs & other_pairs, f"{name} and {other} share pairs"
        seen[name] = pairs


def word_overlap(first: str, second: str) -> float:
    a, b = set(first.lower().split()), set(second.lower().split())
    return len(a & b) / len(a | b)


@pytest.mark.parametrize("split", ["train", "validation", "test"])
def test_word_overlap_alone_does_not_solve_the_task(bundled, split):
    """Hard negatives share most words with their partner, so no overlap threshold
    separates paraphrases from non-paraphrases: the model must read the facts."""
    data = bundled[split]
    overlaps = [word_overlap(a, b) for a, b in zip(data["sentence1"], data["sentence2"], strict=True)]
    labels = data["label"]
    best = max(
        sum((overlap >= threshold) == bool(label) for overlap, label in zip(overlaps, labels, strict=True))
        / len(labels)
        for threshold in set(overlaps)
    )
    assert best < 0.9, f"a word-overlap threshold reaches {best:.3f} accuracy"


def glue_folder(tmp_path, train_lines=None):
    train_lines = train_lines or [
        '1\t702876\t702977\tAmrozi accused his brother , whom he called " the witness " .\t'
        'Referring to him as only " the witness " , Amrozi accused his brother .',
        "0\t2108705\t2108831\tYucaipa owned Dominick 's before selling the chain in 1998 .\t"
        "Yucaipa bought Dominick 's in 1995 for $ 693 million .",
    ]
    write_tsv(tmp_path / "train.tsv", train_lines, encoding="utf-8-sig")  # with a byte-order mark
    write_tsv(tmp_path / "dev.tsv", ["1\t1\t2\tShares rose 5 percent .\tThe stock gained 5 percent ."])
    # GLUE's own test.tsv: an index column instead of labels.
    write_tsv(
        tmp_path / "test.tsv",
        ["0\t1089874\t1089925\tPCCW 's chief operating officer resigned .\tThe COO of PCCW quit ."],
        header="index\t#1 ID\t#2 ID\t#1 String\t#2 String",
    )
    return tmp_path


def test_glue_layout_folder_reads_quotes_and_bom(tmp_path):
    data = load_mrpc_folder(glue_folder(tmp_path))
    assert {name: len(split) for name, split in data.items()} == {"train": 2, "validation": 1, "test": 1}
    first = data["train"][0]
    assert first["sentence1"] == 'Amrozi accused his brother , whom he called " the witness " .'
    assert first["label"] == 1 and first["idx"] == 0
    assert data["train"][1]["label"] == 0
    assert data["test"][0]["label"] == NO_LABEL
    assert data["train"].features == MRPC_FEATURES


def test_course_mrpc_dir_is_what_load_mrpc_reads(tmp_path):
    profile = resolve_profile({"COURSE_PROFILE": "offline", "COURSE_MRPC_DIR": str(glue_folder(tmp_path))})
    assert load_mrpc(profile)["validation"]["sentence2"] == ["The stock gained 5 percent ."]


@pytest.mark.parametrize(
    "lines, header, message",
    [
        (["1\t1\t2\ta\tb"], "label\ts1\ts2", r"line 1 is .* not the MRPC header"),
        (["1\t1\t2\tonly four fields"], None, r"line 2 has 4 fields, expected 5"),
        (["1\t1\t2\ta\tb", "yes\t1\t2\ta\tb"], None, r"line 3 has Quality 'yes'; it must be 0"),
        (["1\t1\t2\t \tb"], None, r"line 2 has an empty sentence"),
        ([], None, r"has a header but no pairs"),
    ],
)
def test_malformed_train_tsv_names_file_line_and_fix(tmp_path, lines, header, message):
    glue_folder(tmp_path)
    write_tsv(tmp_path / "train.tsv", lines, **({"header": header} if header else {}))
    with pytest.raises(MRPCDataError, match=message) as caught:
        load_mrpc_folder(tmp_path)
    assert "train.tsv" in str(caught.value) and "Fix:" in str(caught.value)


def test_missing_split_file(tmp_path):
    (glue_folder(tmp_path) / "dev.tsv").unlink()
    with pytest.raises(MRPCDataError, match=r"lacks dev.tsv(.|\n)*Fix:"):
        load_mrpc_folder(tmp_path)


def test_missing_folder(tmp_path):
    with pytest.raises(MRPCDataError, match=r"is not a folder(.|\n)*Fix:"):
        load_mrpc_folder(tmp_path / "absent")
