"""Script text -> sentences: comments, transition directives and markup handled, one entry per
sentence with the transition the user asked for into it."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .. import vocab

# "[cut]" / "[crossfade]" / "[morph]" alone on a line set the transition into the next shot
# (vocab.TRANSITIONS), in English and Chinese scripts alike.
_DIRECTIVE_RE = re.compile(r"^\[\s*([A-Za-z_ -]+?)\s*\]$")
_LIST_MARKER_RE = re.compile(r"^\s*(?:[-*•·]+|\(?\d{1,3}[.)、]|\(?[a-zA-Z][.)])\s+")
# "Shot 3:", "Scene 2 -", "镜头1：", "场景一：" at the start of a line.
_LABEL_RE = re.compile(
    r"^\s*(?:(?:shot|scene)\s*\d{1,3}|(?:镜头|场景|画面)\s*[0-9一二三四五六七八九十]{1,3})\s*[:：.\-—]\s*",
    re.IGNORECASE)
_INLINE_TAG_RE = re.compile(r"\[[^\]\n]{0,40}\]")
_EMPHASIS_RE = re.compile(r"(\*\*|__|`)")
# Split after sentence-final punctuation: ASCII needs a space after it ("3.5" stays whole).
_SENTENCE_RE = re.compile(
    r"(?<=[.!?])\s+|(?<=[.!?][\"'”’)])\s+"
    r"|(?<=[。！？…])(?![”’」』）。！？…])\s*|(?<=[。！？…][”’」』）])\s*")
# "..., then it spins" / "，然后它..." is a second sentence inside one: split it off so that the
# continuation rule (parser) decides whether it is a new shot.
_THEN_RE = re.compile(r"(?<=[,;，；])\s*(?=(?:and\s+)?then\b|然后|接着|随后)|\s+(?=and\s+then\b)",
                      re.IGNORECASE)
_SPEAKABLE_RE = re.compile(r"[^\W_]")


@dataclass
class Sentence:
    text: str                 # cleaned of markup: what the narration says
    transition: str | None    # the directive before it, if any
    line: int                 # 1-based line number in the input


def clean(line: str) -> str:
    """A line with its script markup (list markers, shot labels, inline [tags], emphasis) gone."""
    line = _LABEL_RE.sub("", _LIST_MARKER_RE.sub("", line))
    line = _EMPHASIS_RE.sub("", _INLINE_TAG_RE.sub(" ", line))
    return " ".join(line.split())


def split_sentences(text: str) -> list[str]:
    out = []
    for sentence in _SENTENCE_RE.split(text):
        out.extend(part.strip() for part in _THEN_RE.split(sentence or "") if part and part.strip())
    return out


def sentences(text: str, warnings: list[str]) -> list[Sentence]:
    """The sentences of a script, each with the transition directive before it (if any)."""
    out: list[Sentence] = []
    pending: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _DIRECTIVE_RE.match(line)
        if m:
            name = m.group(1).strip().lower()
            if name in vocab.TRANSITIONS:
                if pending:
                    warnings.append(f"line {number}: [{name}] replaces [{pending}] before it")
                pending = name
            else:
                warnings.append(f"line {number}: unknown directive {line!r} was ignored; "
                                f"the directives are {', '.join(f'[{t}]' for t in vocab.TRANSITIONS)}")
            continue
        for sentence in split_sentences(clean(line)):
            if not _SPEAKABLE_RE.search(sentence):
                continue  # punctuation or symbols only: nothing to say or show
            out.append(Sentence(sentence, pending, number))
            pending = None
    if pending:
        warnings.append(f"the last directive [{pending}] has no shot after it and was ignored")
    return out
