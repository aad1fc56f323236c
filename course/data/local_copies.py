"""Make local copies of the full profile's model and data, for classes without internet.

Run once where the Hugging Face Hub can be reached; copy the folder to the machines
(a cluster, an exam room); there the full profile needs no Hub at all:

    python -m course local-copies local-copies
    COURSE_PROFILE=full COURSE_MODEL=local-copies/bert-base-uncased \\
        COURSE_MRPC_DIR=local-copies/glue-mrpc make course

It writes ``bert-base-uncased/`` (the tokenizer and the pretrained weights, with
``save_pretrained``) and ``glue-mrpc/`` (GLUE MRPC in GLUE's own TSV layout:
``train.tsv``, ``dev.tsv``, ``test.tsv``, which ``COURSE_MRPC_DIR`` reads). The metric
needs nothing: the course ships a local copy of GLUE's MRPC metric.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers.data import LABELLED_HEADER, NO_LABEL, SPLIT_FILES, UNLABELLED_HEADER
from helpers.profiles import FULL_CHECKPOINT, HUB_DATASET, hub_unreachable_reason


def write_glue_tsv(dataset, path: Path) -> int:
    """Write one split in GLUE's MRPC layout; return the number of pairs.

    Splits without labels (GLUE's test split, labelled -1 on the Hub) get GLUE's unlabelled
    header, whose first column is a row index, as in GLUE's own ``test.tsv``.
    """
    labelled = any(label != NO_LABEL for label in dataset["label"])
    header = LABELLED_HEADER if labelled else UNLABELLED_HEADER
    lines = ["\t".join(header)]
    for row, pair in enumerate(dataset):
        first = pair["label"] if labelled else row
        for sentence in (pair["sentence1"], pair["sentence2"]):
            if "\t" in sentence or "\n" in sentence:
                raise ValueError(f"pair idx {pair['idx']} holds a tab or a line break, which GLUE's layout cannot")
        # GLUE's files give each sentence an id; the course's loader does not read them.
        lines.append(f"{first}\t{2 * pair['idx']}\t{2 * pair['idx'] + 1}\t{pair['sentence1']}\t{pair['sentence2']}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(dataset)


def write_glue_folder(dataset_dict, folder: Path) -> dict[str, int]:
    """Write the three splits of a GLUE MRPC ``DatasetDict`` as ``train.tsv``, ``dev.tsv``, ``test.tsv``."""
    folder.mkdir(parents=True, exist_ok=True)
    return {split: write_glue_tsv(dataset_dict[split], folder / filename) for split, filename in SPLIT_FILES.items()}


def main(argv=None, prog=None) -> int:
    parser = argparse.ArgumentParser(
        prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path, help="where the copies go (created if missing)")
    args = parser.parse_args(argv)

    unreachable = hub_unreachable_reason()
    if unreachable:
        print(
            f"error: making the local copies needs the Hugging Face Hub, but {unreachable}.\n"
            "Fix: run this where the Hub can be reached, then copy the folder to the machines without it.",
            file=sys.stderr,
        )
        return 2

    from datasets import load_dataset
    from transformers import AutoModel, AutoTokenizer

    model_dir = args.folder / FULL_CHECKPOINT
    AutoTokenizer.from_pretrained(FULL_CHECKPOINT).save_pretrained(model_dir)
    AutoModel.from_pretrained(FULL_CHECKPOINT).save_pretrained(model_dir)
    counts = write_glue_folder(load_dataset(*HUB_DATASET), args.folder / "glue-mrpc")
    print(f"{model_dir}: {FULL_CHECKPOINT}'s tokenizer and pretrained weights")
    print(f"{args.folder / 'glue-mrpc'}: " + ", ".join(f"{split} {count:,} pairs" for split, count in counts.items()))
    print(f"Use them with: COURSE_PROFILE=full COURSE_MODEL={model_dir} COURSE_MRPC_DIR={args.folder / 'glue-mrpc'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
