"""What the instructor reads and hands back: ``grades.csv``, ``summary.csv``, ``report.html`` (the
class), ``feedback/<student>.html`` (one page per student, in the student's language) and the
grades at the top of each executed notebook. HTML comes from Jinja2 templates in ``templates/``.

``report.html`` stands alone (the plot is an embedded PNG): per exercise, its points, the share of
the class correct, the count of each status, how many answers were right only on the notebook's
inputs (typed or hard-coded: wrong on the variant the grader chose for the student) and the most
common messages of wrong answers and of errors; then each student's total and the grader's notes.
"""

from __future__ import annotations

import base64
import csv
import datetime
import io
from pathlib import Path

import jinja2
import nbformat
import pandas as pd

from ..catalog import STATUSES
from . import messages as M
from .lessons import Lesson
from .points import shown
from .results import GRADE_COLUMNS, SUMMARY_COLUMNS, NotebookResult

COLORS = {"correct": "#2e7d32", "wrong": "#f9a825", "unanswered": "#bdbdbd", "error": "#c62828"}
TOP_MESSAGES = 5
TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("course.grade", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(
            {key: shown(value) if isinstance(value, float) else value for key, value in row.items()} for row in rows
        )


def exercise_table(grades: pd.DataFrame, lessons: dict[str, Lesson]) -> pd.DataFrame:
    """One row per exercise in course order: counts of each status, share correct, points, labels."""
    answer_names = {(lesson.name, e.name): e.answer_name for lesson in lessons.values() for e in lesson.exercises}
    counts = grades.groupby(["lesson", "exercise"])["status"].value_counts().unstack(fill_value=0)
    counts = counts.reindex(columns=list(STATUSES), fill_value=0)
    counts["students"] = counts[list(STATUSES)].sum(axis=1)
    counts["share_correct"] = counts["correct"] / counts["students"]
    counts["points"] = grades.groupby(["lesson", "exercise"])["max_points"].first()
    only = grades["notebook_inputs_only"] == "yes"
    counts["notebook_only"] = only.groupby([grades["lesson"], grades["exercise"]]).sum().astype(int)
    counts = counts.reset_index()
    counts["label"] = [
        f"{lesson} {exercise} ({answer_names.get((lesson, exercise), '?')})"
        for lesson, exercise in zip(counts["lesson"], counts["exercise"], strict=True)
    ]
    return counts.sort_values(["lesson", "exercise"]).reset_index(drop=True)


def plot_png(table: pd.DataFrame) -> str:
    """A horizontal stacked bar per exercise (share of the class in each status), as base64 PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 0.45 * len(table) + 1.6))
    left = pd.Series(0.0, index=table.index)
    for status in STATUSES:
        share = table[status] / table["students"]
        axes.barh(table["label"], share, left=left, color=COLORS[status], label=status)
        left += share
    for y, share in enumerate(table["share_correct"]):
        axes.text(1.01, y, f"{share:.0%}", va="center", fontsize=9, transform=axes.get_yaxis_transform())
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    axes.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axes.set_xlabel("share of the class (the number on the right: share correct)")
    axes.set_title("Share of the class per exercise and status", pad=28)
    axes.legend(ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def common_messages(grades: pd.DataFrame, lesson: str, exercise: str, status: str) -> list[tuple[str, int]]:
    """The most common messages of one status for one exercise, with their counts."""
    chosen = grades[(grades["lesson"] == lesson) & (grades["exercise"] == exercise) & (grades["status"] == status)]
    counts = chosen["message"].value_counts()
    return [(str(text), int(count)) for text, count in counts.head(TOP_MESSAGES).items()]


def feedback_name(student: str) -> str:
    """The file of a student's feedback page, inside ``feedback/``."""
    return f"{student}.html"


def report_html(grades, summary, languages, lessons, notes, seconds, sandbox, roster, lms_file) -> str:
    """The class report as one HTML page."""
    table = exercise_table(grades, lessons) if len(grades) else None
    exercises = []
    for row in table.itertuples() if table is not None else ():
        exercises.append(
            {
                "label": row.label,
                "points": shown(row.points),
                "correct": row.correct,
                "share": f"{row.share_correct:.0%}",
                "wrong": row.wrong,
                "unanswered": row.unanswered,
                "error": row.error,
                "notebook_only": row.notebook_only,
                "wrong_messages": common_messages(grades, row.lesson, row.exercise, "wrong"),
                "error_messages": common_messages(grades, row.lesson, row.exercise, "error"),
            }
        )
    students = [
        {
            **row,
            "points": shown(row["points"]),
            "max_points": shown(row["max_points"]),
            "language": languages.get(row["student"], ""),
            "feedback": f"feedback/{feedback_name(row['student'])}",
        }
        for row in summary
    ]
    return TEMPLATES.get_template("report.html.j2").render(
        students=students,
        exercises=exercises,
        plot=plot_png(table) if table is not None else "",
        date=f"{datetime.datetime.now():%Y-%m-%d %H:%M}",
        minutes=f"{seconds / 60:.1f}",
        sandbox=sandbox,
        notes=notes,
        roster=roster,
        lms_file=lms_file,
    )


def feedback_html(student: str, rows: list[dict], summary: dict, language: str) -> str:
    """A student's page to hand back: each exercise's status, points and message, in their language."""
    words = {key: M.translate(text, language) for key, text in M.PAGE.items()}
    total = words["total"].format(
        points=shown(summary["points"]),
        max_points=shown(summary["max_points"]),
        correct=summary["correct"],
        exercises=summary["exercises"],
    )
    shown_rows = [
        {
            **row,
            "status_words": M.translate(M.STATUS_WORDS[row["status"]], language),
            "points": shown(row["points"]),
            "max_points": shown(row["max_points"]),
        }
        for row in rows
    ]
    graded = words["graded"].format(date=f"{datetime.date.today():%Y-%m-%d}")
    return TEMPLATES.get_template("feedback.html.j2").render(
        student=student, rows=shown_rows, words=words, total=total, graded=graded, language=language
    )


def annotate_executed(results: list[NotebookResult], rows: list[dict]) -> None:
    """Put each notebook's grades, as the student's rows say them, at the top of its executed copy."""
    by_notebook = {(row["student"], row["lesson"], row["exercise"]): row for row in rows}
    for result in results:
        path = result.executed
        if not path or not Path(path).is_file():
            continue
        notebook = nbformat.read(path, as_version=4)
        lines = []
        for exercise in result.job.lesson.exercises:
            status, message = result.rows[exercise.name]
            row = by_notebook.get((result.job.student, result.job.lesson.name, exercise.name))
            text = M.text_in(message, result.job.language)
            chosen = "" if row and row["message"] == text else " (another notebook of this lesson gave the grades)"
            lines.append(f"- {exercise.name}: **{status}**: {text}{chosen}")
        intro = nbformat.v4.new_markdown_cell(
            f"Graded by `python -m course grade`: the course's `{result.job.lesson.template.name}` with the answer "
            f"cells of `{result.job.display}`.\n\n" + "\n".join(lines)
        )
        notebook.cells.insert(0, intro)
        nbformat.write(notebook, path)


def write_outputs(out: Path, rows, summary, languages, lessons, notes, seconds, sandbox, roster, lms_file) -> None:
    """grades.csv, summary.csv, report.html and feedback/ in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "grades.csv", GRADE_COLUMNS, rows)
    write_csv(out / "summary.csv", SUMMARY_COLUMNS, summary)
    grades = pd.DataFrame(rows, columns=GRADE_COLUMNS)
    page = report_html(grades, summary, languages, lessons, notes, seconds, sandbox, roster, lms_file)
    (out / "report.html").write_text(page, encoding="utf-8")
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    for totals in summary:
        student = totals["student"]
        mine = [row for row in rows if row["student"] == student]
        html = feedback_html(student, mine, totals, languages.get(student, "en"))
        (feedback / feedback_name(student)).write_text(html, encoding="utf-8")
