"""The course's tools: ``python -m course COMMAND`` runs, grades and translates the notebooks and
builds the website. Students never need this package; the notebooks import ``helpers``.
``course.catalog`` holds the course's facts that every tool, test and the site reads."""
