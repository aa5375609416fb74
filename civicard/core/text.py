"""Text as search compares it."""

import unicodedata


def searchable(text: str) -> str:
    """Lower case, accents removed, punctuation as spaces: "Bénali-Côte" → "benali cote"."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())
