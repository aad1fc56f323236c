"""The course website: ``build`` (Sphinx with MyST-NB and the book theme), ``check`` (headless Chromium)."""
