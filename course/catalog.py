"""The course's facts, each written once: every tool, test and the website reads them here.

* the lessons in reading order, with their notebooks and exercise modules;
* the editions (English, Traditional Chinese) with their language, folders and README;
* the docs pages (docs/*.md, their twins in docs/zh-TW/) in reading order;
* the repository, its URL and the launch links (Colab, Kaggle, GitHub) of a notebook;
* the cell tags the notebooks use, and the statuses a grade can have.

Nothing here imports the course's helpers or a machine-learning library: the website's
environment (no torch) reads this module too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# The repository the tools work in: they run from a clone of the course.
ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "build"

# --- the repository and the links that open a notebook -----------------------------------------

REPOSITORY = "trainer-course/finetune-with-trainer"
BRANCH = "main"
REPOSITORY_URL = f"https://github.com/{REPOSITORY}"
SITE_URL = "https://trainer-course.github.io/finetune-with-trainer/"
GITHUB_FILE_URL = f"{REPOSITORY_URL}/blob/{BRANCH}/{{path}}"
COLAB_URL = f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/{{path}}"
KAGGLE_URL = f"https://kaggle.com/kernels/welcome?src={REPOSITORY_URL}/blob/{BRANCH}/{{path}}"
# What the notebooks' set-up cell installs on Colab and Kaggle.
PIP_INSTALL_URL = f"git+{REPOSITORY_URL}"
# The hosted runtimes the course is checked against, one file each in the repository: the Python and
# the libraries' versions of Colab and Kaggle, with their source and date. `make test-colab`
# (python -m course colab) runs the course in a twin of each.
HOSTED_RUNTIMES = ("colab-runtime.txt", "kaggle-runtime.txt")


def colab_url(path: str) -> str:
    """The link that opens the repository's notebook ``path`` (e.g. notebooks/01_tokenization.ipynb) in Colab."""
    return COLAB_URL.format(path=path)


def kaggle_url(path: str) -> str:
    return KAGGLE_URL.format(path=path)


def github_url(path: str) -> str:
    return GITHUB_FILE_URL.format(path=path)


# --- the editions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edition:
    code: str  # "en", "zh-TW": what helpers.i18n.set_language() takes
    name: str  # the edition's name in its own language
    notebooks: str  # its notebooks' folder in the repository
    readme: str  # its README
    docs: str  # its folder of docs pages
    site: str  # its folder inside the website ("" for the site's root)
    sphinx_language: str  # Sphinx's `language` setting

    def notebook_path(self, name: str) -> str:
        """``notebooks/zh-TW/01_tokenization.ipynb``: a notebook of this edition, relative to the repository."""
        return f"{self.notebooks}/{name}.ipynb"

    def doc_path(self, page: str) -> str:
        """``docs/zh-TW/grading.md``: a docs page of this edition, relative to the repository."""
        return f"{self.docs}/{page}.md"

    @property
    def folder(self) -> Path:
        return ROOT / self.notebooks


EN = Edition("en", "English", "notebooks", "README.md", "docs", "", "en")
ZH_TW = Edition("zh-TW", "繁體中文", "notebooks/zh-TW", "README.zh-TW.md", "docs/zh-TW", "zh-TW", "zh_TW")
EDITIONS = (EN, ZH_TW)


def edition(code: str) -> Edition:
    for candidate in EDITIONS:
        if candidate.code.lower() == code.lower():
            return candidate
    choices = ", ".join(candidate.code for candidate in EDITIONS)
    raise ValueError(f"{code!r} is not an edition of the course. Choose one of: {choices}.")


# --- the docs pages -----------------------------------------------------------------------------

# What README.md leaves to pages of their own, in reading order: docs/<page>.md, and its zh-TW twin
# docs/zh-TW/<page>.md with the same sections (tests/test_zh_tw.py). The website lists them in this
# order after the lessons.
DOCS = ("exercises", "profiles", "instructors", "grading", "changes", "benchmark", "troubleshooting", "development")


def doc_paths(edition: Edition = EN) -> list[Path]:
    return [ROOT / edition.doc_path(page) for page in DOCS]


# --- the lessons -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lesson:
    number: int
    name: str  # "01_tokenization": the lesson notebook's file name without .ipynb

    @property
    def exercise_name(self) -> str:
        """``01_tokenization_exercises``: the lesson's exercise notebook."""
        return f"{self.name}_exercises"

    @property
    def exercise_module(self) -> str:
        """``helpers.exercises.lesson01``: the checks, hints and solutions of its exercises."""
        return f"helpers.exercises.lesson{self.number:02d}"

    def notebook(self, edition: Edition = EN) -> Path:
        return ROOT / edition.notebook_path(self.name)

    def exercise_notebook(self, edition: Edition = EN) -> Path:
        return ROOT / edition.notebook_path(self.exercise_name)


LESSONS = (
    Lesson(1, "01_tokenization"),
    Lesson(2, "02_training_arguments"),
    Lesson(3, "03_trainer_training"),
    Lesson(4, "04_predictions_softmax"),
    Lesson(5, "05_compute_metrics"),
    Lesson(6, "06_training_loop_accelerate"),
    Lesson(7, "07_use_and_share"),
    Lesson(8, "08_beyond_the_defaults"),
)


def notebook_names() -> list[str]:
    """Every notebook of an edition in reading order: each lesson, then its exercises."""
    return [name for lesson in LESSONS for name in (lesson.name, lesson.exercise_name)]


def notebook_paths(edition: Edition = EN) -> list[Path]:
    return [ROOT / edition.notebook_path(name) for name in notebook_names()]


def lesson_of_module(module: str) -> Lesson | None:
    """The lesson whose exercises are ``module`` (``helpers.exercises.lesson04``), if any."""
    return next((lesson for lesson in LESSONS if lesson.exercise_module == module), None)


# How an exercise notebook imports its checks: the line that names its lesson.
LESSON_IMPORT = re.compile(r"from\s+(helpers\.exercises\.lesson\d+)\s+import")

# --- cells and grades --------------------------------------------------------------------------

# An answer cell is tagged answer-q1, answer-q2...: the cell the student fills in for q1.check().
ANSWER_TAG_PREFIX = "answer-"
# Cells whose output depends on the machine (device, timings, losses): nbval does not compare them.
NBVAL_IGNORE_TAG = "nbval-ignore-output"


def answer_tag(exercise: str) -> str:
    """``answer-q1`` for exercise ``q1``."""
    return f"{ANSWER_TAG_PREFIX}{exercise}"


def answer_tags(tags) -> list[str]:
    """``["q1"]`` for the tags ``["answer-q1"]`` of a cell."""
    return [
        tag.removeprefix(ANSWER_TAG_PREFIX)
        for tag in tags
        if isinstance(tag, str) and tag.startswith(ANSWER_TAG_PREFIX)
    ]


# A grade: the check accepted the answer, refused it, found no answer, or could not judge it.
STATUSES = ("correct", "wrong", "unanswered", "error")
