"""Mood of a sentence: valence from VADER (English) or a small lexicon (Chinese), arousal from
intensity words and exclamation marks; the label is the nearest `vocab.MOODS` point unless the
text names a mood outright ("scary", "peacefully", "开心"), which then fixes the label and its
representative (valence, arousal).
"""
from __future__ import annotations

import functools
import math
import re

from .. import vocab
from ..storyboard import Mood
from .tokens import Token

BASE_AROUSAL = vocab.MOODS["neutral"][1]
EXCLAMATION_AROUSAL = 0.12   # per "!" (up to 3)

# Valence of Chinese feeling words (VADER's scale, before squashing); the explicit mood words of
# `lexicon_zh.MOOD_WORDS` count with their label's valence.
ZH_VALENCE: dict[str, float] = {
    "美丽": 1.5, "漂亮": 1.5, "可爱": 1.8, "温暖": 1.4, "美好": 1.8, "好": 1.0, "喜欢": 1.8,
    "爱": 2.0, "笑": 1.5, "微笑": 1.5, "灿烂": 1.5, "明亮": 1.0, "甜": 1.2, "自由": 1.2,
    "舒服": 1.5, "精彩": 2.0, "有趣": 1.6, "好玩": 1.6, "成功": 1.8, "希望": 1.2, "温柔": 1.3,
    "坏": -1.8, "糟糕": -2.0, "痛苦": -2.5, "生气": -2.0, "愤怒": -2.5, "危险": -2.0,
    "黑暗": -1.2, "冷": -0.6, "寒冷": -0.8, "死": -2.8, "死亡": -2.8, "失败": -2.0, "受伤": -2.0,
    "讨厌": -2.0, "担心": -1.5, "焦虑": -1.8, "破碎": -1.8, "阴暗": -1.4, "沉重": -1.2,
}
AROUSAL_WORDS_EN: dict[str, float] = {
    "very": 0.08, "extremely": 0.15, "suddenly": 0.15, "wildly": 0.2, "furiously": 0.2,
    "explode": 0.3, "explodes": 0.3, "explosion": 0.3, "crash": 0.25, "crashes": 0.25,
    "race": 0.15, "races": 0.15, "racing": 0.15, "rush": 0.12, "rushes": 0.12, "frantic": 0.25,
    "quickly": 0.08, "fast": 0.08, "rapidly": 0.1, "storm": 0.15, "thunder": 0.2, "scream": 0.3,
    "screams": 0.3, "shout": 0.2, "loud": 0.15, "chase": 0.1, "chases": 0.1, "danger": 0.2,
    "slowly": -0.1, "gently": -0.12, "quietly": -0.15, "softly": -0.12, "peaceful": -0.15,
    "peacefully": -0.15, "calm": -0.15, "calmly": -0.15, "still": -0.08, "sleep": -0.2,
    "sleeps": -0.2, "asleep": -0.2, "lazily": -0.12, "drift": -0.08, "drifts": -0.08,
    "silent": -0.15, "silently": -0.15, "serene": -0.15,
}
AROUSAL_WORDS_ZH: dict[str, float] = {
    "非常": 0.08, "突然": 0.15, "疯狂": 0.25, "猛烈": 0.2, "剧烈": 0.2, "爆炸": 0.3, "飞快": 0.1,
    "快速": 0.08, "迅速": 0.1, "尖叫": 0.3, "大叫": 0.2, "危险": 0.2, "追": 0.1, "冲": 0.12,
    "暴风雨": 0.2, "雷": 0.2, "激烈": 0.2,
    "慢慢": -0.1, "慢慢地": -0.1, "轻轻": -0.12, "轻轻地": -0.12, "静静": -0.15, "静静地": -0.15,
    "缓缓": -0.1, "缓缓地": -0.1, "安静": -0.15, "睡觉": -0.2, "睡着": -0.2, "悠闲": -0.12,
}
_ZH_NEGATIONS = ("不", "没", "没有", "并不", "不是", "毫不")
_LATIN_RE = re.compile(r"[A-Za-z]")


@functools.cache
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _squash(total: float, alpha: float = 15.0) -> float:
    """VADER's normalisation of a summed valence into (-1, 1)."""
    return total / math.sqrt(total * total + alpha) if total else 0.0


def valence(text: str, tokens: list[Token]) -> float:
    """VADER's compound score for English; the lexicon sum (with negation) for Chinese words.
    A mixed sentence adds both."""
    score = 0.0
    if _LATIN_RE.search(text):
        score += _vader().polarity_scores(text)["compound"]
    zh_total, negate = 0.0, False
    for tok in tokens:
        if tok.language != "zh":
            continue
        if tok.text in _ZH_NEGATIONS or tok.category == "negation":
            negate = True
            continue
        v = ZH_VALENCE.get(tok.text)
        if v is None and tok.category == "mood":
            v = vocab.MOODS[str(tok.value)][0] * 3.0
        if v is not None:
            zh_total += -v if negate else v
        negate = False
    score += _squash(zh_total, alpha=4.0)
    return max(-1.0, min(1.0, score))


def arousal(text: str, tokens: list[Token]) -> float:
    a = BASE_AROUSAL + EXCLAMATION_AROUSAL * min(3, text.count("!") + text.count("！"))
    for tok in tokens:
        table = AROUSAL_WORDS_ZH if tok.language == "zh" else AROUSAL_WORDS_EN
        for word in {tok.text, tok.key, *tok.text.split()}:
            if word in table:
                a += table[word]
                break
    return max(0.0, min(1.0, a))


def mood_of(text: str, tokens: list[Token], explicit: list[str]) -> tuple[Mood, bool]:
    """(mood, whether the text said anything about mood at all)."""
    if explicit:
        label = explicit[-1]
        v, a = vocab.MOODS[label]
        return Mood(label=label, valence=v, arousal=a), True
    v = round(valence(text, tokens), 3)
    a = round(arousal(text, tokens), 3)
    return Mood(label=vocab.mood_label(v, a), valence=v, arousal=a), (
        abs(v) >= 0.05 or abs(a - BASE_AROUSAL) > 1e-6)
