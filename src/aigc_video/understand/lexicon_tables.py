"""How the English and Chinese lexicons are assembled: word tables -> word -> (category, value) tags."""
from __future__ import annotations


def entries(category: str, table: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, str]]:
    """{value: (word, ...)} -> {word: (category, value)}."""
    return {word: (category, value) for value, words in table.items() for word in words}


def merge(tables: list[dict[str, tuple[str, object]]]) -> dict[str, list[tuple[str, object]]]:
    """Every word -> its tags in table order, at most one tag per category (the first wins)."""
    out: dict[str, list[tuple[str, object]]] = {}
    for table in tables:
        for key, entry in table.items():
            if entry[0] not in {tag[0] for tag in out.get(key, [])}:
                out.setdefault(key, []).append(entry)
    return out
