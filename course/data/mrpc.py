"""Write the course's bundled MRPC-style paraphrase data.

The sentences are written for this project: eighteen kinds of news-wire
report, each with several hand-written phrasings of the same facts and
fictional companies and people. A pair is a paraphrase (label 1) when both
sentences state the same facts in different words, and not a paraphrase
(label 0) when they share a topic but differ in a fact. Most negatives are
hard: high word overlap with one number, date, place or role changed (who
bought whom, who won). The rest describe another event of the same kind.

The output is deterministic:

    python -m course data              (`make data`)

It writes ``train.tsv``, ``dev.tsv`` and ``test.tsv`` in GLUE's MRPC layout
into ``helpers/data/mrpc/``. For a set of GLUE MRPC's size (to measure training
at real size without the Hub), e.g.:

    python -m course data --sizes 3668 408 408 --out build/mrpc-3668
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from helpers.data import LABELLED_HEADER
from helpers.profiles import BUNDLED_DATA_DIR

from .families import FAMILIES

SPLIT_SIZES = {"train": 480, "dev": 120, "test": 120}
POSITIVE_SHARE = 2 / 3
HARD_NEGATIVE_SHARE = 0.65
SEED = 20261125


def render(rng: random.Random, family: dict, slots: dict, template: str) -> str:
    values = dict(slots, rng=rng)
    if "words" in family:
        values = family["words"](values)
    for key in ("q", "t1", "t2", "workers"):
        if key in values:
            values[key + "_cap"] = values[key][0].upper() + values[key][1:]
    text = template.format(**values)
    return text[0].upper() + text[1:]


def make_pair(rng: random.Random, label: int, hard: bool) -> tuple[str, str]:
    family = rng.choice(FAMILIES)
    first_template, second_template = rng.sample(family["templates"], 2)
    slots = family["slots"](rng)
    if label == 1:
        other_slots = slots
    elif hard:
        other_slots = rng.choice(family["mutations"])(rng, slots)
    else:
        other_slots = family["slots"](rng)
    return render(rng, family, slots, first_template), render(rng, family, other_slots, second_template)


def make_split(rng: random.Random, size: int, seen: set) -> list[tuple[int, int, int, str, str]]:
    positives = round(size * POSITIVE_SHARE)
    labels = [1] * positives + [0] * (size - positives)
    rng.shuffle(labels)
    rows = []
    for label in labels:
        while True:
            first, second = make_pair(rng, label, hard=rng.random() < HARD_NEGATIVE_SHARE)
            if first != second and (first, second) not in seen:
                seen.add((first, second))
                break
        rows.append((label, rng.randint(100000, 3999999), rng.randint(100000, 3999999), first, second))
    return rows


def main(argv=None, prog=None) -> int:
    parser = argparse.ArgumentParser(
        prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs=3,
        metavar=("TRAIN", "DEV", "TEST"),
        default=list(SPLIT_SIZES.values()),
        help="pairs per split (default: %(default)s, the bundled data)",
    )
    parser.add_argument(
        "--out", type=Path, default=BUNDLED_DATA_DIR, help="folder to write (default: helpers/data/mrpc)"
    )
    args = parser.parse_args(argv)
    rng = random.Random(SEED)
    seen: set = set()
    args.out.mkdir(parents=True, exist_ok=True)
    for split, size in zip(SPLIT_SIZES, args.sizes, strict=True):
        rows = make_split(rng, size, seen)
        lines = ["\t".join(LABELLED_HEADER)] + ["\t".join(str(value) for value in row) for row in rows]
        (args.out / f"{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        positives = sum(row[0] for row in rows)
        print(f"{split}.tsv: {len(rows)} pairs, {positives} paraphrases ({positives / len(rows):.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
