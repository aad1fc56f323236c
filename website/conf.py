"""Sphinx settings of the course website, shared by both editions.

`python -m course site build` (`make site`) writes each edition's pages into a staging folder
and runs Sphinx on it with this folder as the configuration folder. It says which edition
through SITE_EDITION (`en` or `zh-TW`) and where the staging folder is through SITE_STAGE.
"""

from __future__ import annotations

import os
from pathlib import Path

from course.catalog import REPOSITORY_URL
from course.site.cjk_search import search_language

HERE = Path(__file__).resolve().parent

EDITION = os.environ.get("SITE_EDITION", "en")
STAGE = Path(os.environ.get("SITE_STAGE", "."))

TEXT = {
    "en": {
        "language": "en",
        "title": "Fine-tuning with the Trainer API",
        "twin_prefix": "zh-TW/",
        "twin_lang": "zh-TW",
        "twin_label": "繁體中文",
        "twin_title": "閱讀這一頁的繁體中文版",
    },
    "zh-TW": {
        "language": "zh_TW",
        "title": "用 Trainer API 微調預訓練模型",
        "twin_prefix": "../",
        "twin_lang": "en",
        "twin_label": "English",
        "twin_title": "Read this page in English",
    },
}[EDITION]

project = TEXT["title"]
author = "trainer-course"
language = TEXT["language"]

extensions = ["myst_nb"]

# The committed notebooks are shown with their committed outputs: nothing is executed.
nb_execution_mode = "off"
nb_merge_streams = True
# No math extension: a `$` in a lesson stays a dollar sign, and no page needs MathJax,
# which would come from a CDN and fail offline.
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
# MyST-NB copies each notebook's source next to its page; the .ipynb download is ours.
html_copy_source = False
html_show_sourcelink = False

templates_path = [str(HERE / "_templates")]
html_static_path = [str(HERE / "_static")]
html_css_files = ["site.css"]
html_js_files = ["site.js"]
html_extra_path = [str(STAGE / "extra")]
exclude_patterns = ["extra", "**.ipynb_checkpoints"]

html_theme = "sphinx_book_theme"
html_title = TEXT["title"]
html_show_copyright = False
html_last_updated_fmt = None
html_theme_options = {
    "repository_url": REPOSITORY_URL,
    "repository_branch": "main",
    "use_repository_button": True,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "article_header_end": ["lang-switch.html", "article-header-buttons.html"],
}
html_context = {key: TEXT[key] for key in ("twin_prefix", "twin_lang", "twin_label", "twin_title")}
# Light or dark as the reader's system says (without it the theme logs an error on every page).
html_context["default_mode"] = "auto"


def setup(app):
    if EDITION == "zh-TW":
        app.add_search_language(search_language())
