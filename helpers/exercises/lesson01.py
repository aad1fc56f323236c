"""Exercises for notebook 1: tokenization, pairs, dynamic padding. Each is also judged on a variant
of its inputs: another pair, the training split or the validation split in another order."""

from __future__ import annotations

from ..i18n import N_, _
from . import Exercise, ExerciseSet, Mistake, Variant, WrongAnswer, needs, wrong
from .answers import NOT_WHOLE, whole_number
from .variants import shuffled, with_split

# The pair the notebook gives as sentence1 and sentence2.
PAIR = ("The company's profit rose 5 percent in May .", "Profit at the company climbed 5 percent in May .")
BATCH = slice(8, 16)  # training pairs 8 to 15: the lesson padded pairs 0 to 7
EVAL_BATCH_SIZE = 8
MODEL_INPUTS = ("input_ids", "token_type_ids", "attention_mask")


# The messages of the usual mistakes: each check raises them, each exercise's mistakes name them.
SEP_OF_SENTENCE_1 = N_(
    "that position holds the [SEP] that closes sentence 1, and [SEP] still belongs to segment 0. "
    "The switch to 1 is one token later."
)
ONE_TOO_FAR = N_("one too far. Positions count from 0, and [CLS] sits at position 0.")
SENTENCE_1_ONLY = N_("you counted sentence 1's tokens only; [CLS] and a [SEP] come before sentence 2 too.")
EVERY_TOKEN = N_("that is every token of the padded batch; count only the [PAD] ones.")
REAL_TOKENS = N_("that counts the real tokens (attention_mask 1); count the [PAD] ones (attention_mask 0).")
PADDED_TO_512 = N_(
    "that is padding to 512, the model's maximum; the collator pads only to the longest pair of the batch."
)
SHORTEST_PAIR = N_("that is the padding of the shortest pair alone; add up the padding of all 8 pairs.")
COMPARED_WITH_512 = N_(
    "you compared with padding to 512, the model's maximum. Compare with padding every pair to the "
    "longest pair of the validation split."
)
NO_PADDING = N_(
    "that compares with no padding at all. The collator still pads each batch of 8 to its own longest pair."
)
SIGN_FLIPPED = N_("the sign is flipped: compute (padded to the longest pair) minus (padded per batch).")


def segment_b_start_of(namespace) -> int:
    """Where sentence 2 starts in the encoding of the pair ``sentence1``, ``sentence2``."""
    tokenizer = needs(namespace, "tokenizer")
    return tokenizer(needs(namespace, "sentence1"), needs(namespace, "sentence2"))["token_type_ids"].index(1)


def another_pair(rng, namespace) -> dict:
    """Exercise 1's variant: a pair of the training split."""
    train = needs(namespace, "raw_datasets")["train"]
    row = train[rng.randrange(len(train))]
    return {"sentence1": row["sentence1"], "sentence2": row["sentence2"]}


def check_segment_b_start(answer, namespace) -> str:
    tokenizer = needs(namespace, "tokenizer")
    expected = segment_b_start_of(namespace)
    answer = whole_number(answer, _("the position"))
    sentence1_tokens = len(tokenizer.tokenize(needs(namespace, "sentence1")))
    if answer == expected:
        return _(
            "Sentence 2 starts at position {expected}. token_type_ids tell BERT which sentence each token "
            "belongs to, and the switch comes right after the first [SEP]."
        ).format(expected=expected)
    if answer == expected - 1:
        raise wrong(SEP_OF_SENTENCE_1)
    if answer == expected + 1:
        raise wrong(ONE_TOO_FAR)
    if answer == sentence1_tokens:
        raise wrong(SENTENCE_1_ONLY)
    raise WrongAnswer(
        _(
            "position {answer} is not where token_type_ids first become 1. Look at "
            "encoding['token_type_ids'] for the pair, or use .index(1)."
        ).format(answer=answer)
    )


def batch_lengths(namespace) -> list[int]:
    """The lengths of training pairs 8 to 15, the batch of exercise 2."""
    return [len(ids) for ids in needs(namespace, "tokenized_datasets")["train"][BATCH]["input_ids"]]


def pad_count_of(namespace) -> int:
    """The [PAD] tokens the collator adds to training pairs 8 to 15."""
    lengths = batch_lengths(namespace)
    return sum(max(lengths) - length for length in lengths)


def training_pairs_in_another_order(rng, namespace) -> dict:
    """Exercise 2's variant: the training split shuffled, so that pairs 8 to 15 are others."""
    tokenized = needs(namespace, "tokenized_datasets")
    return {"tokenized_datasets": with_split(tokenized, "train", shuffled(rng, tokenized["train"]))}


def check_pad_count(answer, namespace) -> str:
    lengths = batch_lengths(namespace)
    longest = max(lengths)
    expected = pad_count_of(namespace)
    answer = whole_number(answer, _("the number of [PAD] tokens"))
    if answer == expected:
        return _(
            "{expected} [PAD] tokens. The collator adds only what this batch needs, and the attention mask "
            "tells the model to ignore them."
        ).format(expected=expected)
    if answer == longest * len(lengths):
        raise wrong(EVERY_TOKEN)
    if answer == sum(lengths):
        raise wrong(REAL_TOKENS)
    if answer == 512 * len(lengths) - sum(lengths):
        raise wrong(PADDED_TO_512)
    if answer == longest - min(lengths):
        raise wrong(SHORTEST_PAIR)
    raise WrongAnswer(
        _(
            "{answer} is not the number of [PAD] tokens. Pad the 8 pairs with data_collator and count "
            "the zeros in attention_mask (or the tokenizer.pad_token_id entries in input_ids)."
        ).format(answer=answer)
    )


def explain_collator_failure(error: BaseException) -> str | None:
    """The usual way the answer cell of exercise 2 fails: the text columns went to the collator."""
    text = str(error)
    if any(column in text for column in ("sentence1", "sentence2", "idx")) or "too many dimensions" in text:
        return _(
            "The collator can pad only the model's inputs: keep input_ids, token_type_ids and attention_mask "
            "of the 8 pairs and leave out sentence1, sentence2, label and idx (the text columns cannot "
            "become a tensor)."
        )
    return None


def dynamic_tokens(lengths, batch_size: int) -> int:
    """Tokens in all batches when each batch is padded to its own longest pair."""
    batches = [lengths[start : start + batch_size] for start in range(0, len(lengths), batch_size)]
    return sum(len(batch) * max(batch) for batch in batches)


def validation_lengths(namespace) -> list[int]:
    return [len(ids) for ids in needs(namespace, "tokenized_datasets")["validation"]["input_ids"]]


def tokens_saved_of(namespace) -> int:
    """Tokens saved by padding the validation split per batch of 8 rather than to its longest pair."""
    lengths = validation_lengths(namespace)
    return len(lengths) * max(lengths) - dynamic_tokens(lengths, EVAL_BATCH_SIZE)


def validation_pairs_in_another_order(rng, namespace) -> dict:
    """Exercise 3's variant: the validation split shuffled, so that its batches of 8 are others."""
    tokenized = needs(namespace, "tokenized_datasets")
    return {"tokenized_datasets": with_split(tokenized, "validation", shuffled(rng, tokenized["validation"]))}


def check_tokens_saved(answer, namespace) -> str:
    lengths = validation_lengths(namespace)
    dynamic = dynamic_tokens(lengths, EVAL_BATCH_SIZE)
    to_longest = len(lengths) * max(lengths)
    expected = tokens_saved_of(namespace)
    answer = whole_number(answer, _("the number of tokens saved"))
    if answer == expected:
        return _(
            "Per-batch padding saves {expected} of {total} tokens ({share:.0%}). Fewer "
            "tokens is less computation, which is why the course pads per batch."
        ).format(expected=expected, total=to_longest, share=expected / to_longest)
    if answer == len(lengths) * 512 - dynamic:
        raise wrong(COMPARED_WITH_512)
    if answer == to_longest - sum(lengths):
        raise wrong(NO_PADDING)
    if answer == -expected:
        raise wrong(SIGN_FLIPPED)
    raise WrongAnswer(
        _(
            "{answer} is not it. For each batch of 8 in order, its size times its longest length gives the "
            "tokens it holds; add those up and subtract from the split's size times the longest length."
        ).format(answer=answer)
    )


q1 = Exercise(
    label=N_("Exercise 1"),
    answer_name="segment_b_start",
    checker=check_segment_b_start,
    hint_text=N_(
        "Tokenize the two sentences as a pair, tokenizer(sentence1, sentence2), and find the first 1 in "
        "token_type_ids: a Python list has .index(value)."
    ),
    solution_code="""
        encoding = tokenizer(sentence1, sentence2)
        segment_b_start = encoding["token_type_ids"].index(1)
    """,
    mistakes=(
        Mistake("segment_b_start = tokenizer(sentence1, sentence2)['token_type_ids'].index(1) - 1", SEP_OF_SENTENCE_1),
        Mistake("segment_b_start = tokenizer(sentence1, sentence2)['token_type_ids'].index(1) + 1", ONE_TOO_FAR),
        Mistake("segment_b_start = len(tokenizer.tokenize(sentence1))", SENTENCE_1_ONLY),
        Mistake("segment_b_start = tokenizer(sentence1, sentence2)", NOT_WHOLE),
    ),
    variant=Variant(
        names=("sentence1", "sentence2"),
        here=N_("the notebook's pair"),
        other=N_("another pair"),
        uses=("sentence1", "sentence2"),
        pick=another_pair,
        expected=segment_b_start_of,
    ),
)

q2 = Exercise(
    label=N_("Exercise 2"),
    answer_name="pad_count",
    checker=check_pad_count,
    hint_text=N_(
        "Keep only input_ids, token_type_ids and attention_mask of tokenized_datasets['train'][8:16], "
        "pass them to data_collator, and count the 0s in the batch's attention_mask."
    ),
    solution_code="""
        samples = tokenized_datasets["train"][8:16]
        samples = {key: samples[key] for key in ("input_ids", "token_type_ids", "attention_mask")}
        batch = data_collator(samples)
        pad_count = int((batch["attention_mask"] == 0).sum())
    """,
    explain_failure=explain_collator_failure,
    mistakes=(
        Mistake(
            "lengths = [len(ids) for ids in tokenized_datasets['train'][8:16]['input_ids']]\n"
            "pad_count = 8 * max(lengths)",
            EVERY_TOKEN,
        ),
        Mistake(
            "lengths = [len(ids) for ids in tokenized_datasets['train'][8:16]['input_ids']]\npad_count = sum(lengths)",
            REAL_TOKENS,
        ),
        Mistake(
            "lengths = [len(ids) for ids in tokenized_datasets['train'][8:16]['input_ids']]\n"
            "pad_count = 8 * 512 - sum(lengths)",
            PADDED_TO_512,
        ),
        Mistake(
            "lengths = [len(ids) for ids in tokenized_datasets['train'][8:16]['input_ids']]\n"
            "pad_count = max(lengths) - min(lengths)",
            SHORTEST_PAIR,
        ),
    ),
    variant=Variant(
        names=("tokenized_datasets",),
        here=N_("the notebook's training pairs 8 to 15"),
        other=N_("8 other training pairs"),
        uses=('tokenized_datasets["train"][8:16]',),
        pick=training_pairs_in_another_order,
        expected=pad_count_of,
    ),
)

q3 = Exercise(
    label=N_("Exercise 3"),
    answer_name="tokens_saved",
    checker=check_tokens_saved,
    hint_text=N_(
        "Get the lengths: [len(ids) for ids in tokenized_datasets['validation']['input_ids']]. "
        "Padding to the longest pair costs len(lengths) * max(lengths) tokens; per batch, each slice "
        "lengths[i:i + 8] costs len(slice) * max(slice)."
    ),
    solution_code="""
        lengths = [len(ids) for ids in tokenized_datasets["validation"]["input_ids"]]
        to_longest = len(lengths) * max(lengths)
        per_batch = sum(len(lengths[i : i + 8]) * max(lengths[i : i + 8]) for i in range(0, len(lengths), 8))
        tokens_saved = to_longest - per_batch
    """,
    mistakes=(
        Mistake(
            "lengths = [len(ids) for ids in tokenized_datasets['validation']['input_ids']]\n"
            "per_batch = sum(len(lengths[i : i + 8]) * max(lengths[i : i + 8]) for i in range(0, len(lengths), 8))\n"
            "tokens_saved = len(lengths) * 512 - per_batch",
            COMPARED_WITH_512,
        ),
        Mistake(
            "lengths = [len(ids) for ids in tokenized_datasets['validation']['input_ids']]\n"
            "tokens_saved = len(lengths) * max(lengths) - sum(lengths)",
            NO_PADDING,
        ),
        Mistake(
            "lengths = [len(ids) for ids in tokenized_datasets['validation']['input_ids']]\n"
            "per_batch = sum(len(lengths[i : i + 8]) * max(lengths[i : i + 8]) for i in range(0, len(lengths), 8))\n"
            "tokens_saved = per_batch - len(lengths) * max(lengths)",
            SIGN_FLIPPED,
        ),
    ),
    variant=Variant(
        names=("tokenized_datasets",),
        here=N_("the notebook's validation split"),
        other=N_("the validation pairs in another order"),
        uses=('tokenized_datasets["validation"]',),
        pick=validation_pairs_in_another_order,
        expected=tokens_saved_of,
    ),
)

exercises = ExerciseSet(q1, q2, q3)
progress = exercises.progress
