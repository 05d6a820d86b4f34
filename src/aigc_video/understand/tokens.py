"""Sentence -> tagged tokens. Chinese runs are segmented by jieba, the rest by a regex; both are
then looked up in their lexicon, so a mixed sentence ("一个 red ball 向左移动") reads as one.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from .. import vocab
from . import lexicon_en, lexicon_zh

Tag = tuple[str, object]


@dataclass
class Token:
    text: str                    # as written (lower-cased for English)
    tags: list[Tag] = field(default_factory=list)  # empty: not in the lexicon
    key: str = ""                # the lexicon key it matched ("circle around" for "circles around")
    plural: bool = False         # an English noun matched through its plural ("balls")
    noun: bool = False           # jieba tags this unknown Chinese word as a noun
    language: str = "en"

    @property
    def category(self) -> str | None:
        return self.tags[0][0] if self.tags else None

    @property
    def value(self) -> object:
        return self.tags[0][1] if self.tags else None


HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef"
_HAN_RE = re.compile(f"[{HAN}]")
_RUNS_RE = re.compile(f"([{HAN}{CJK_PUNCT}]+)")
_EN_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+|[^\w\s]")
_CLAUSE_PUNCT = set(",;:()\"“”「」『』，；：、（）—–")

_EN_LEXICON = {k.replace("-", " "): v for k, v in lexicon_en.LEXICON.items()}
_EN_MAX_WORDS = max(len(k.split()) for k in _EN_LEXICON)
_ZH_NUMBER_RE = re.compile(
    f"^(\\d+|[{''.join(lexicon_zh.DIGITS)}]+)([{lexicon_zh.CLASSIFIERS}]?)$")


def has_han(text: str) -> bool:
    return bool(_HAN_RE.search(text))


def tokenize(sentence: str) -> list[Token]:
    """Tagged tokens of one sentence, in order."""
    out: list[Token] = []
    for i, run in enumerate(_RUNS_RE.split(sentence)):
        if not run:
            continue
        out.extend(_tokenize_zh(run) if i % 2 else _tokenize_en(run))
    return out


# ---- English -------------------------------------------------------------------------------

def lemmas(word: str) -> list[str]:
    """The word and its likely base forms: balls->ball, puppies->puppy, running->run, dropped->drop."""
    out = [word]
    if word.endswith(("'s", "’s")):
        out.append(word[:-2])
    if len(word) > 3:
        if word.endswith("ies"):
            out.append(word[:-3] + "y")
        if word.endswith("es"):
            out.append(word[:-2])
        if word.endswith("s") and not word.endswith("ss"):
            out.append(word[:-1])
        if word.endswith("ied"):
            out.append(word[:-3] + "y")
        for suffix in ("ing", "ed"):
            if word.endswith(suffix) and len(word) > len(suffix) + 2:
                stem = word[: -len(suffix)]
                out += [stem, stem + "e"]
                if len(stem) > 2 and stem[-1] == stem[-2]:
                    out.append(stem[:-1])  # running -> run, dropped -> drop
    return out


def _lookup_en(words: list[str]) -> tuple[str, list[Tag], bool] | None:
    """(key, tags, plural) for a phrase, trying inflections of its first word (verbs: "circles
    around") and of its last (nouns: "hot air balloons")."""
    for i, first in enumerate(lemmas(words[0])):
        key = " ".join([first, *words[1:]])
        if key in _EN_LEXICON:
            plural = i > 0 and words[0].endswith("s") and not words[0].endswith(("'s", "’s"))
            return key, _EN_LEXICON[key], plural
    if len(words) > 1:
        for last in lemmas(words[-1])[1:]:
            key = " ".join([*words[:-1], last])
            if key in _EN_LEXICON:
                return key, _EN_LEXICON[key], words[-1].endswith("s")
    return None


# Verb + particle phrases whose particle is more likely a preposition when a determiner follows.
_PARTICLE_VERBS = frozenset({"fade in", "pop in"})


def _is_word(piece: str) -> bool:
    return piece[0].isalnum()


def _colored(word: str) -> Token | None:
    """"rose-colored" / "sky colored": the colour of a named colour or thing, as a colour word."""
    found = _lookup_en([word])
    if found is None:
        return None
    key, tags, _ = found
    for category, value in tags:
        if category == "color":
            return Token(f"{word} colored", [("color", value)], key=key)
        if category == "object":
            return Token(f"{word} colored", [("color", vocab.OBJECTS[str(value)])], key=key)
    if key == lexicon_en.SKY:
        return Token(f"{word} colored", [("color", "blue")], key=key)
    return None


def _tokenize_en(run: str) -> list[Token]:
    pieces = _EN_WORD_RE.findall(run.lower().replace("-", " "))
    out: list[Token] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        if piece.isdecimal():
            out.append(Token(piece, [("number", int(piece[:6]))], key=piece))
            i += 1
            continue
        if i + 1 < len(pieces) and pieces[i + 1] in ("colored", "coloured") and _is_word(piece):
            tok = _colored(piece)
            if tok:
                out.append(tok)
                i += 2
                continue
        if not _is_word(piece):
            if piece in _CLAUSE_PUNCT:
                out.append(Token(piece, [("punct", piece)], key=piece))
            i += 1
            continue
        # Longest phrase first: "circles around the sun" matches "circle around" before "circle".
        for n in range(min(_EN_MAX_WORDS, len(pieces) - i), 0, -1):
            words = pieces[i:i + n]
            if not all(_is_word(w) and not w.isdecimal() for w in words):
                continue
            found = _lookup_en(words)
            if found and found[0] in _PARTICLE_VERBS and pieces[i + n:i + n + 1] and (
                    _EN_LEXICON.get(pieces[i + n], [("", None)])[0][0] == "det"):
                found = None   # "fades in the sky" is "fades" + "in the sky"
            if found:
                key, tags, plural = found
                out.append(Token(" ".join(words), list(tags), key=key, plural=plural))
                i += n
                break
        else:
            out.append(Token(piece))
            i += 1
    return out


# ---- Chinese -------------------------------------------------------------------------------

@functools.cache
def _jieba():
    """jieba's part-of-speech cutter with every lexicon word in its dictionary (loaded once)."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    jieba.initialize()
    for word in lexicon_zh.LEXICON:
        # Just enough frequency to keep each word whole ("变大" not 变/大), never less than
        # jieba's own: a flat high value on every word would cut "太空中" as 太/空中.
        if len(word) > 1:
            needed = jieba.suggest_freq(word, tune=False)
            if needed > (jieba.get_FREQ(word) or 0):
                jieba.add_word(word, freq=needed)
    # "慢慢地下方移动" must read 慢慢地/下方 (slowly, downward), not 慢慢/地下 (underground)/方:
    # nothing in the vocabulary lives underground, and an adverb's 地 is far more common here.
    jieba.del_word("地下")
    return jieba.posseg


def _zh_token(word: str) -> Token | None:
    """A lexicon word, a count ("两个", "3只") or a particle; None when unknown."""
    if word in lexicon_zh.LEXICON:
        return Token(word, list(lexicon_zh.LEXICON[word]), key=word, language="zh")
    m = _ZH_NUMBER_RE.match(word)
    if m and (m.group(2) or len(word) == 1 or m.group(1).isdecimal()):
        digits = m.group(1)
        return Token(word, [("number", _zh_number(digits))], key=digits, language="zh")
    if all(ch in lexicon_zh.PARTICLES for ch in word):
        return Token(word, [("particle", None)], key=word, language="zh")
    return None


def _zh_number(digits: str) -> int:
    if digits.isdecimal():
        return int(digits[:6])
    if digits == "十":
        return 10
    if len(digits) == 2 and digits[0] == "十":   # 十二 = 12
        return 10 + lexicon_zh.DIGITS.get(digits[1], 0)
    if len(digits) >= 2 and digits[1] == "十":   # 二十, 三十五
        return lexicon_zh.DIGITS.get(digits[0], 1) * 10 + (
            lexicon_zh.DIGITS.get(digits[2], 0) if len(digits) > 2 else 0)
    return lexicon_zh.DIGITS.get(digits[0], 1)


def _split_zh(word: str) -> list[Token] | None:
    """Split a word jieba glued together ("红球", "向左移动") into lexicon words, longest first;
    None unless every character is covered."""
    out: list[Token] = []
    i = 0
    while i < len(word):
        for n in range(min(lexicon_zh.MAX_WORD_CHARS, len(word) - i), 0, -1):
            tok = _zh_token(word[i:i + n])
            if tok:
                out.append(tok)
                i += n
                break
        else:
            return None
    return out


def _regroup(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Move a character across a jieba boundary when that makes lexicon words: 大/海上 -> 大海/上
    (jieba's corpus counts prefer 海上, the sentence means "on the big sea"), and 慢向/上移 ->
    慢/向上移 (slowly, upward-move: 慢向 is no word, and 向 belongs to the direction), and
    日/出现/身 -> 日出/现身 (appears at sunrise: 日 and 身 are no words alone) and 都/市长/大 ->
    都市/长大 (grows in the city, not "all mayor big"): three pieces, not all words, that make two."""
    out = list(pairs)
    lexicon = lexicon_zh.LEXICON
    for i in range(len(out) - 1):
        (a, fa), (b, fb) = out[i], out[i + 1]
        c = out[i + 2][0] if i + 2 < len(out) else ""
        if len(a) == 1 and len(b) > 1 and a + b[0] in lexicon and b[1:] in lexicon:
            out[i], out[i + 1] = (a + b[0], fa), (b[1:], fb)
        elif (len(a) == 1 and len(b) > 1 and len(c) == 1 and not (a in lexicon and b in lexicon and c in lexicon)
              and a + b[0] in lexicon and b[1:] + c in lexicon):
            out[i], out[i + 1], out[i + 2] = (a + b[0], fa), (b[1:] + c, fb), ("", out[i + 2][1])
        elif (len(a) > 1 and a not in lexicon and a[:-1] in lexicon
              and a[-1] + b[0] in lexicon and _split_zh(a[-1] + b) is not None):
            out[i], out[i + 1] = (a[:-1], fa), (a[-1] + b, fb)
    return out


def _tokenize_zh(run: str) -> list[Token]:
    out: list[Token] = []
    for word, flag in _regroup([(p.word, p.flag) for p in _jieba().lcut(run)]):
        if not word.strip():
            continue
        if not has_han(word):
            if any(ch in _CLAUSE_PUNCT for ch in word):
                out.append(Token(word, [("punct", word)], key=word, language="zh"))
            elif word.isdecimal():
                out.append(Token(word, [("number", int(word[:6]))], key=word, language="zh"))
            continue
        tok = _zh_token(word)
        if tok:
            out.append(tok)
            continue
        parts = _split_zh(word) if len(word) > 1 else None
        if parts:
            out.extend(parts)
        else:
            if word == "们" and out and out[-1].noun:
                out[-1].plural = True     # "孩子们": jieba cuts the plural off its noun
                continue
            out.append(Token(word, noun=flag.startswith("n") or flag == "s", language="zh"))
    return out
