"""Load GLUE MRPC, or a folder in its TSV layout, as a ``DatasetDict``.

Whatever the source, the result has the splits ``train``, ``validation`` and
``test`` and exactly the Hub's features, so the notebooks never need to know
where the pairs came from.
"""

from __future__ import annotations

import csv
from pathlib import Path

from datasets import ClassLabel, Dataset, DatasetDict, Features, Value, load_dataset

from .i18n import _
from .profiles import HUB_DATASET, CourseSetupError, Profile

MRPC_FEATURES = Features(
    {
        "sentence1": Value("string"),
        "sentence2": Value("string"),
        "label": ClassLabel(names=["not_equivalent", "equivalent"]),
        "idx": Value("int32"),
    }
)
SPLIT_FILES = {"train": "train.tsv", "validation": "dev.tsv", "test": "test.tsv"}
LABELLED_HEADER = ["Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"]
# GLUE's own test.tsv has no labels; its first column is a row index instead.
UNLABELLED_HEADER = ["index", "#1 ID", "#2 ID", "#1 String", "#2 String"]
NO_LABEL = -1  # what the Hub stores for the unlabelled test split


class MRPCDataError(CourseSetupError):
    """A missing or malformed MRPC TSV file; the message names the file, the line and the fix."""


def read_mrpc_tsv(path: str | Path) -> dict[str, list]:
    """Read one MRPC TSV file into columns ``sentence1``, ``sentence2``, ``label``, ``idx``.

    Quoting is off: MRPC sentences contain bare ``"`` characters that are text, not quotes.
    """
    path = Path(path)
    fix = _("Fix: each line needs 5 tab-separated fields: {header}").format(header="\\t".join(LABELLED_HEADER))
    columns = {"sentence1": [], "sentence2": [], "label": [], "idx": []}
    with path.open(encoding="utf-8-sig", newline="") as handle:  # -sig drops a byte-order mark
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows, None)
        if header not in (LABELLED_HEADER, UNLABELLED_HEADER):
            problem = _("{path}: line 1 is {header!r}, not the MRPC header.").format(path=path, header=header)
            raise MRPCDataError(f"{problem}\n{fix}")
        labelled = header == LABELLED_HEADER
        for row in rows:
            line = rows.line_num
            if not any(field.strip() for field in row):
                continue  # a blank line, e.g. at the end of the file
            if len(row) != 5:
                problem = _("{path}: line {line} has {count} fields, expected 5.").format(
                    path=path, line=line, count=len(row)
                )
                raise MRPCDataError(f"{problem}\n{fix}")
            quality, _id1, _id2, first, second = row
            if labelled and quality not in ("0", "1"):
                problem = _(
                    "{path}: line {line} has Quality {quality!r}; it must be 0 (not a paraphrase) or 1 (paraphrase)."
                ).format(path=path, line=line, quality=quality)
                raise MRPCDataError(f"{problem}\n{fix}")
            if not first.strip() or not second.strip():
                problem = _("{path}: line {line} has an empty sentence.").format(path=path, line=line)
                raise MRPCDataError(f"{problem}\n{fix}")
            columns["sentence1"].append(first)
            columns["sentence2"].append(second)
            columns["label"].append(int(quality) if labelled else NO_LABEL)
            columns["idx"].append(len(columns["idx"]))
    if not columns["idx"]:
        problem = _("{path}: the file has a header but no pairs.").format(path=path)
        raise MRPCDataError(f"{problem}\n{fix}")
    return columns


def load_mrpc_folder(folder: str | Path) -> DatasetDict:
    """Load a folder in GLUE's MRPC layout: ``train.tsv``, ``dev.tsv``, ``test.tsv``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise MRPCDataError(
            _(
                "{folder} is not a folder.\nFix: give a folder holding train.tsv, dev.tsv and test.tsv "
                "(GLUE's MRPC layout), e.g. via COURSE_MRPC_DIR."
            ).format(folder=folder)
        )
    missing = [name for name in SPLIT_FILES.values() if not (folder / name).is_file()]
    if missing:
        raise MRPCDataError(
            _(
                "{folder} lacks {files}.\n"
                "Fix: the folder needs train.tsv, dev.tsv and test.tsv, as in GLUE's MRPC download."
            ).format(folder=folder, files=", ".join(missing))
        )
    return DatasetDict(
        {
            split: Dataset.from_dict(read_mrpc_tsv(folder / filename), features=MRPC_FEATURES)
            for split, filename in SPLIT_FILES.items()
        }
    )


def load_mrpc_from_hub() -> DatasetDict:
    """GLUE MRPC from the Hugging Face Hub: what the ``full`` profile (Colab) uses."""
    return load_dataset(*HUB_DATASET)


def load_mrpc(profile: Profile) -> DatasetDict:
    """The profile's MRPC data: the Hub's, a GLUE-layout folder, or the bundled pairs."""
    if profile.uses_hub_data:
        return load_mrpc_from_hub()
    return load_mrpc_folder(profile.data_dir)


def label_balance(dataset: Dataset) -> dict[str, int]:
    """Count of each label name in a split, e.g. ``{'not_equivalent': 40, 'equivalent': 80}``."""
    names = dataset.features["label"].names
    counts = {name: 0 for name in names}
    for label in dataset["label"]:
        if label != NO_LABEL:
            counts[names[label]] += 1
    return counts
