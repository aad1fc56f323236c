"""Grading a class's exercise notebooks, a module per stage (as nbgrader chains its preprocessors):

``submissions`` finds the class and reads the answers, ``plan`` says what runs, ``execute`` runs
the kernels, ``results`` turns their verdicts into grades, ``report`` writes what the instructor
reads; ``cli`` is ``python -m course grade``. ``in_kernel`` is what runs inside a kernel.
"""
