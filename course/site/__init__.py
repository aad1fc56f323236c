"""The course website: ``build`` (the input checked, then Sphinx with MyST-NB and the book theme),
``extension`` and ``pages`` (what no Sphinx setting does), ``cjk_search`` (the zh-TW search); ``cli``
runs ``site check``, the browser tests in tests/site/ (headless Chromium)."""
