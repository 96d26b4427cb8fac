"""Pure: fold Vietnamese names for search, so "nguyen van an" finds "Nguyễn Văn An"."""

import unicodedata

# đ/Đ are letters of their own, not d with a mark: NFD does not decompose them.
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})


def fold(text: str) -> str:
    """Lower case, no diacritics, đ as d, single spaces."""
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().split())
