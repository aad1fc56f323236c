"""Run the course in a twin of Colab's (or Kaggle's) runtime: ``make test-colab``.

    python -m course colab                        # every runtime of the catalog (colab-runtime.txt, kaggle-runtime.txt)
    python -m course colab colab-runtime.txt      # one runtime file
    python -m course colab --torch-index URL      # torch from that index (PyTorch's CPU wheels)

For each runtime file (its format: colab-runtime.txt), in this order:

1. Check the file, and that the course's floors (pyproject.toml) accept its versions: a library
   below its floor would be replaced by the set-up cell's pip, so that is an error unless the
   file expects it (``upgrade: NAME``).
2. Build the twin, ``.venv-<runtime>`` (kept between runs while the file is unchanged): the
   file's Python (``python3.13``, or the interpreter that ``<RUNTIME>_PYTHON``, e.g.
   ``COLAB_PYTHON``, names), torch, then the file's other libraries, and ipykernel to run
   the notebooks (Colab has its own).
3. Install the course the way the notebooks' set-up cell does, ``pip install -q COURSE``, from a
   copy of this checkout (what git tracks, and new files it does not ignore) instead of GitHub;
   then the offline profile's model package. pip must keep every version of the file (but those
   it is expected to upgrade), and ``pip check`` must pass.
4. Run every lesson and every exercise notebook, each exercise's answer cell filled with its
   solution, from a temporary folder outside the repository, with the offline profile
   (``HF_HUB_OFFLINE=1``). A lesson passes when it runs without error and its ``summary`` has the
   committed notebook's keys and sane figures (see ``summary_problems``); an exercise notebook
   when it ends "N/N correct". No output is compared as nbval does: versions and timings differ.

The executed notebooks go to build/colab/<runtime>/. A bad runtime file, a missing Python or a
floor above the runtime's version stops it with one line that names the problem and the fix.
"""
