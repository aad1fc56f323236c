"""Search for the zh-TW edition: Chinese text indexed as single characters and pairs of
characters, without a word dictionary.

Sphinx's own Chinese search needs the jieba segmenter, and without it indexes no Chinese at
all. Here every run of Han characters gives its characters and its overlapping pairs
(混淆矩陣: 混 淆 矩 陣 混淆 淆矩 矩陣), and the page's search box splits a query the same
way, so a query finds the pages that hold all of its pairs, however long it is. Latin words
(code names, `Trainer`, softmax) are indexed as in the English edition.
"""

from __future__ import annotations

import re

HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
LATIN_WORD = re.compile(r"[a-zA-Z0-9_]+")


def han_terms(run: str) -> list[str]:
    """A run of Han characters as its characters and its overlapping pairs."""
    return list(run) + [run[index : index + 2] for index in range(len(run) - 1)]


# The query side of han_terms, run by the search page in the reader's browser. A one-character
# query stays one term; a longer one becomes its pairs, all of which a page must hold.
SPLIT_QUERY_JS = r"""
function splitQuery(query) {
  const terms = [];
  const han = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g;
  for (const part of query.split(han)) {
    for (const word of part.split(/[^\p{Letter}\p{Number}_]+/u)) {
      if (word) terms.push(word);
    }
  }
  for (const run of query.match(han) || []) {
    if (run.length === 1) terms.push(run);
    for (let i = 0; i + 1 < run.length; i++) terms.push(run.slice(i, i + 2));
  }
  return terms;
}
"""


def search_language():
    """The search language class for Sphinx (imported here: the unit tests run without Sphinx)."""
    from sphinx.search.zh import SearchChinese

    class SearchTraditionalChinese(SearchChinese):
        """Chinese (Taiwan) search by characters and pairs of characters; English words as usual."""

        lang = "zh"
        # Sphinx names the browser's stemmer after language_name ({language_name}Stemmer). The
        # stemmer file is English (Han terms pass through it unchanged), so the class is
        # EnglishStemmer: with "Chinese" the search page fails on ChineseStemmer, not defined.
        language_name = "English"
        js_splitter_code = SPLIT_QUERY_JS

        def split(self, input: str) -> list[str]:
            terms: list[str] = []
            for run in HAN_RUN.findall(input):
                terms.extend(han_terms(run))
            latin = LATIN_WORD.findall(HAN_RUN.sub(" ", input))
            self.latin_terms.update(latin)
            return terms + latin

        def word_filter(self, stemmed_word: str) -> bool:
            # One Han character is a word; one Latin letter is not.
            return bool(HAN_RUN.fullmatch(stemmed_word)) or len(stemmed_word) > 1

    return SearchTraditionalChinese
