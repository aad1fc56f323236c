"""The course website's Sphinx extension (website/conf.py loads it): what Sphinx, MyST-NB and
the book theme do not do by their settings.

* Links: a README or docs link to a file that is no page of this edition leads to the home
  page (the README), to the page of the other edition, or to the file on GitHub
  (course/site/pages.py decides); a link to no file at all stays broken, and the build says so.
* Pictures from the web (the Colab and Kaggle badges) would not load offline, and the site
  loads nothing from elsewhere: their words stay, as the link's text.
* The theme's launch menu (Colab) gets Kaggle, which the theme has no button for.
* The language switch (website/_templates/lang-switch.html) leads to the same page in the
  other edition.
* A zh-TW heading's comment naming its English twin is not part of the title.
* The home page's contents: the lessons and the docs pages, in the catalog's order.
"""

from __future__ import annotations

import posixpath
import re

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

from ..catalog import ROOT, kaggle_url
from . import pages

WEB = re.compile(r"https?://")


def _edition(app):
    return pages.of_language(app.config.language)


class RepositoryLinks(SphinxTransform):
    """Links to files that are no page of this edition (MyST leaves them unresolved or as downloads)."""

    default_priority = 500

    def apply(self, **kwargs) -> None:
        edition, page = _edition(self.app), self.env.docname
        links = [*self.document.findall(addnodes.pending_xref), *self.document.findall(addnodes.download_reference)]
        for node in links:
            if node.get("reftype") != "myst":
                continue
            if node.get("refdomain") == "doc":
                if node["reftarget"] in self.env.found_docs:
                    continue
                # A file MyST took for a page (README.md, a page of the other edition): the name is its path.
                stem = node["reftarget"]
                found = [f"{stem}{suffix}" for suffix in (".md", ".ipynb") if (ROOT / f"{stem}{suffix}").is_file()]
                if not found:
                    continue
                path, anchor = found[0], node.get("reftargetid") or ""
            else:
                path, _, anchor = node["reftarget"].partition("#")
                if not path or WEB.match(path):
                    continue
                path = posixpath.join(posixpath.dirname(page), path)
            target = pages.link_target(edition, page, path, anchor)
            if target is None:
                continue
            kind, where = target
            if kind == "page":
                new = addnodes.pending_xref(
                    "",
                    *node.children,
                    refdomain="doc",
                    reftarget=where,
                    reftargetid=anchor or None,
                    refdoc=page,
                    reftype="myst",
                    refexplicit=node.get("refexplicit", True),
                )
            else:
                new = nodes.reference("", "", *node.children, refuri=where)
            node.replace_self(new)


class WebPictures(SphinxTransform):
    """A picture from the web becomes its words (alt text): the site loads nothing from elsewhere."""

    default_priority = 500

    def apply(self, **kwargs) -> None:
        for image in list(self.document.findall(nodes.image)):
            if WEB.match(image["uri"]):
                image.replace_self(nodes.inline("", image.get("alt", ""), classes=["web-picture"]))


def read_source(app, docname: str, source: list[str]) -> None:
    source[0] = pages.without_heading_comments(source[0])
    if docname == app.config.root_doc:
        source[0] += pages.contents(_edition(app))


def read_include(app, relative_path, parent_docname: str, content: list[str]) -> None:
    content[0] = pages.without_heading_comments(content[0])


def page_context(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    edition = _edition(app)
    twin_edition = pages.other(edition)
    context["twin_url"] = pages.relative_url(edition, pagename, twin_edition, pages.twin(edition, pagename))
    context["twin_label"] = twin_edition.name
    context["twin_lang"] = twin_edition.code
    context["twin_title"] = pages.WORDS[twin_edition.code]["switch"]
    for group in context.get("header_buttons", []):
        if group.get("label") == "launch-buttons":  # the theme's menu, on notebook pages
            group["buttons"].append(
                {
                    "type": "link",
                    "text": "Kaggle",
                    "tooltip": pages.WORDS[edition.code]["kaggle"],
                    "icon": "fab fa-kaggle",
                    "url": kaggle_url(f"{pagename}.ipynb"),
                    "label": "launch-kaggle",
                }
            )


def setup(app):
    app.add_transform(RepositoryLinks)
    app.add_transform(WebPictures)
    app.connect("source-read", read_source)
    app.connect("include-read", read_include)
    # After the theme's own handlers (priority 500), which make the launch menu.
    app.connect("html-page-context", page_context, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
