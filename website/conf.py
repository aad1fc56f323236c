"""Sphinx settings of the course website, shared by both editions.

Sphinx builds the pages, MyST-Parser reads the Markdown (README, docs pages), MyST-NB the
notebooks with their committed outputs, and the book theme lays them out (contents, launch
menu, downloads). `python -m course site build` (`make site`) runs Sphinx once per edition, with
this folder as the configuration folder, on a source folder that mirrors the repository
(build/site-src/<edition>/src: the edition's README, docs pages and notebooks, and its home page
website/<edition>/index.md); it says which edition through SITE_EDITION (`en` or `zh-TW`).
What no setting does is in course/site/extension.py.
"""

from __future__ import annotations

import os
from pathlib import Path

from course.catalog import BRANCH, COLAB_URL, REPOSITORY_URL, edition
from course.site.cjk_search import search_language

HERE = Path(__file__).resolve().parent
EDITION = edition(os.environ.get("SITE_EDITION", "en"))

TITLES = {"en": "Fine-tuning with the Trainer API", "zh-TW": "用 Trainer API 微調預訓練模型"}
project = html_title = TITLES[EDITION.code]
author = "trainer-course"
language = EDITION.sphinx_language

extensions = ["myst_nb", "course.site.extension"]

# The pages are what the source folder holds: the home page, and the edition's notebooks and docs
# pages as course/catalog.py lists them (course/site/build.py copies them there); the extension
# adds the contents in the catalog's order.
root_doc = "index"

# The committed notebooks are shown with their committed outputs: nothing is executed.
nb_execution_mode = "off"
nb_merge_streams = True
# No math extension: a `$` in a lesson stays a dollar sign, and no page needs MathJax,
# which would come from a CDN and fail offline.
myst_enable_extensions = ["colon_fence"]
# Headings down to ### get GitHub's anchors, so `grading.md#the-results` works on both.
myst_heading_anchors = 3
# The theme's download menu offers each notebook as committed, from _sources/.
html_copy_source = True
html_show_sourcelink = False

templates_path = [str(HERE / "_templates")]
html_static_path = [str(HERE / "_static")]
html_css_files = ["site.css"]
html_js_files = ["site.js"]

html_theme = "sphinx_book_theme"
html_show_copyright = False
html_last_updated_fmt = None
html_theme_options = {
    "repository_url": REPOSITORY_URL,
    "repository_branch": BRANCH,
    # The source folder mirrors the repository: a page's path there is its file's path here,
    # so the launch menu's Colab link opens the very notebook (the extension adds Kaggle).
    "path_to_docs": "",
    "launch_buttons": {"colab_url": COLAB_URL.split("/github/")[0]},
    "use_repository_button": True,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "article_header_end": ["lang-switch.html", "article-header-buttons.html"],
}
# Light or dark as the reader's system says (without it the theme logs an error on every page).
html_context = {"default_mode": "auto"}


def setup(app):
    if EDITION.code == "zh-TW":
        app.add_search_language(search_language())
