"""The grader's outputs: grades.csv, summary.csv and report.html (the last stage of `python -m course grade`).

``report.html`` stands alone (the plot is an embedded PNG): per exercise, the share of
the class correct, the count of each status, and the most common messages of wrong
answers and of errors with their counts; then each student's total and the grader's
notes (files skipped, notebooks that could not be read...).
"""

from __future__ import annotations

import base64
import csv
import datetime
import html
import io
from pathlib import Path

import pandas as pd

GRADE_COLUMNS = ["student", "lesson", "exercise", "status", "message"]
SUMMARY_COLUMNS = ["student", "correct", "total"]
STATUSES = ("correct", "wrong", "unanswered", "error")
COLORS = {"correct": "#2e7d32", "wrong": "#f9a825", "unanswered": "#bdbdbd", "error": "#c62828"}
TOP_MESSAGES = 5


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def summary_rows(grades: pd.DataFrame, students: list[str]) -> list[dict]:
    """Each student's count of correct exercises out of all the graded exercises."""
    rows = []
    for student in students:
        mine = grades[grades["student"] == student]
        rows.append({"student": student, "correct": int((mine["status"] == "correct").sum()), "total": len(mine)})
    return rows


def exercise_table(grades: pd.DataFrame, lessons) -> pd.DataFrame:
    """One row per exercise in course order: counts of each status, share correct, labels."""
    answer_names = {(lesson.name, e.name): e.answer_name for lesson in lessons.values() for e in lesson.exercises}
    counts = grades.groupby(["lesson", "exercise"])["status"].value_counts().unstack(fill_value=0)
    counts = counts.reindex(columns=list(STATUSES), fill_value=0)
    counts["students"] = counts[list(STATUSES)].sum(axis=1)
    counts["share_correct"] = counts["correct"] / counts["students"]
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


def message_list(items: list[tuple[str, int]]) -> str:
    if not items:
        return "<span class='none'>none</span>"
    return "<ol>" + "".join(f"<li><b>{count}&times;</b> {html.escape(text)}</li>" for text, count in items) + "</ol>"


def report_html(grades: pd.DataFrame, summary: list[dict], lessons, notes: list[str], seconds: float) -> str:
    """The class report as one HTML page."""
    table = exercise_table(grades, lessons) if len(grades) else None
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Class report</title><style>",
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}",
        "table{border-collapse:collapse;width:100%;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
        "vertical-align:top;text-align:left}th{background:#f3f3f3}ol{margin:0;padding-left:1.4em}"
        ".none{color:#888}.num{text-align:right}img{max-width:100%}",
        "</style></head><body>",
        "<h1>Class report</h1>",
        f"<p>{len(summary)} students, {0 if table is None else len(table)} exercises, graded "
        f"{datetime.datetime.now():%Y-%m-%d %H:%M} in {seconds / 60:.1f} min by "
        "<code>python -m course grade</code>: each answer run in a fresh kernel and judged by the course's own "
        "check; saved outputs are never read. Details: <code>grades.csv</code>, <code>summary.csv</code>, "
        "and the executed notebooks in <code>executed/</code>.</p>",
    ]
    if table is None:
        parts.append("<p>No exercise notebook was graded.</p>")
    else:
        parts += [
            "<h2>Share of the class correct on each exercise</h2>",
            f"<img alt='share of the class correct on each exercise' src='data:image/png;base64,{plot_png(table)}'>",
            "<h2>Exercises and the most common mistakes</h2>",
            "<table><tr><th>exercise</th><th>correct</th><th>wrong</th><th>unanswered</th><th>error</th>"
            "<th>most common wrong-answer messages</th><th>most common errors</th></tr>",
        ]
        for row in table.itertuples():
            wrong = common_messages(grades, row.lesson, row.exercise, "wrong")
            errors = common_messages(grades, row.lesson, row.exercise, "error")
            parts.append(
                f"<tr><td>{html.escape(row.label)}</td><td class='num'>{row.correct} ({row.share_correct:.0%})</td>"
                f"<td class='num'>{row.wrong}</td><td class='num'>{row.unanswered}</td><td class='num'>{row.error}</td>"
                f"<td>{message_list(wrong)}</td><td>{message_list(errors)}</td></tr>"
            )
        parts.append("</table>")
    parts += ["<h2>Students</h2><table><tr><th>student</th><th>correct</th><th>total</th></tr>"]
    parts += [
        f"<tr><td>{html.escape(row['student'])}</td><td class='num'>{row['correct']}</td>"
        f"<td class='num'>{row['total']}</td></tr>"
        for row in summary
    ]
    parts.append("</table><h2>Notes</h2>")
    notes_html = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
    parts.append(f"<ul>{notes_html}</ul>" if notes else "<p>None.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_outputs(out: Path, rows: list[dict], students: list[str], lessons, notes: list[str], seconds: float) -> None:
    """grades.csv, summary.csv and report.html in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "grades.csv", GRADE_COLUMNS, rows)
    grades = pd.DataFrame(rows, columns=GRADE_COLUMNS)
    summary = summary_rows(grades, students)
    write_csv(out / "summary.csv", SUMMARY_COLUMNS, summary)
    (out / "report.html").write_text(report_html(grades, summary, lessons, notes, seconds), encoding="utf-8")
