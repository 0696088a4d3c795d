"""Who is who: actor names compared as people, not as strings.

Four eyes means two different people. ``alice``, ``Alice``, ``ALICE``, ``Ａｌｉｃｅ`` (full
width), ``alice`` with a zero-width space or a soft hyphen inside, and the same name in another
Unicode normal form are one person: names are compared after removing invisible format
characters, NFKC normalisation and case folding (Unicode's identifier caseless match,
``NFKC(casefold(NFKC(name)))``), with surrounding white space ignored. Look-alike letters from
other scripts (Cyrillic ``а`` for Latin ``a``) are not folded: names should come from
authentication, not be typed (docs/security.md).
"""

from __future__ import annotations

import unicodedata

__all__ = ["actor_key", "same_actor"]


def actor_key(name: str) -> str:
    """The form in which two actor names are compared."""
    visible = "".join(ch for ch in name if unicodedata.category(ch) != "Cf")
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", visible).casefold())
    return " ".join(folded.split())


def same_actor(a: str | None, b: str | None) -> bool:
    """Whether two actor names denote the same person (``None`` is nobody)."""
    return a is not None and b is not None and actor_key(a) == actor_key(b)
