"""Text understanding: English or Chinese text (a prompt or a script) -> Storyboard.

    parse(text) -> Storyboard           sentences -> shots, with warnings for what was not understood
    detect_language(text) -> "en"|"zh"
    nearest_vocab(word, category)       embedding fallback for words outside the lexicon

Importing this package is light: jieba, VADER and the embedding model load on first use.
"""
from .embedding import nearest_vocab
from .language import detect_language
from .parser import parse

__all__ = ["detect_language", "nearest_vocab", "parse"]
