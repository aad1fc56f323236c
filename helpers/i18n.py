"""The language of the course's own messages: the exercises' feedback (checks, hints,
solutions' explanations, progress), and where it costs little the banner and set-up errors.

Every message a student reads goes through ``_()``, written as a template whose values are
filled in *after* translation, so that one catalog entry serves every value::

    raise WrongAnswer(_("position {answer} is not where token_type_ids first become 1.").format(answer=answer))

Never an f-string inside ``_()``: the catalog is keyed by the template's exact English text.
English is the default; a notebook chooses another language explicitly and visibly.
"""

from __future__ import annotations


def _(message: str) -> str:
    """The message in the chosen language (English, the key, until a catalog is in place)."""
    return message
