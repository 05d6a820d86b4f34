"""Verbs -> manners: how a subject does its motion ("walks", "sleeps", "吃").

The motion (vocab.MOTIONS) is the path a subject takes and what the evaluation judges; the
manner is what the verb adds on top of it: a walk bobs, a sleeper breathes, an eater nods, and a
person who runs is drawn as the running-person icon. Words here that are new to the lexicon
come with the motion they take (`MANNER_MOTIONS`); the others already have one.
"""
from __future__ import annotations

# manner -> English verb base forms (the tokenizer matches inflections: "sleeps", "sleeping").
MANNER_WORDS_EN: dict[str, tuple[str, ...]] = {
    "walk": ("walk", "stroll", "march", "wander", "amble", "trot", "hike", "wade", "step"),
    "run": ("run", "sprint", "race", "dash", "jog", "gallop", "rush", "hurry", "scurry", "chase"),
    "fly": ("fly", "soar", "flutter", "flap", "glide", "hover", "hover across"),
    "swim": ("swim", "paddle", "dive"),
    "hop": ("hop", "skip", "leap", "jump"),
    "sleep": ("sleep", "nap", "doze", "snooze", "slumber", "lie", "rest"),
    "eat": ("eat", "chew", "munch", "nibble", "feed", "graze", "gnaw", "drink"),
    "wave": ("wave", "greet"),
    "dance": ("dance", "sway", "boogie"),
    "drive": ("drive", "ride", "roll", "cruise"),
    "bike": ("bike", "cycle", "pedal"),
    "launch": ("launch", "blast off", "lift off", "take off"),
    "sing": ("sing", "play", "read", "write", "work", "study", "think", "look",
             "sit", "stand", "wait", "stay", "smile", "laugh", "talk"),
}
MANNER_WORDS_ZH: dict[str, tuple[str, ...]] = {
    "walk": ("走", "行走", "散步", "漫步", "走路", "步行", "溜达"),
    "run": ("跑", "奔跑", "跑步", "跑过", "追", "追赶", "冲", "飞奔"),
    "fly": ("飞", "飞行", "飞过", "飞翔", "翱翔"),
    "swim": ("游", "游泳", "游动", "潜水"),
    "hop": ("跳", "蹦", "蹦跳", "跳跃"),
    "sleep": ("睡", "睡觉", "睡着", "打盹", "躺", "休息", "熟睡", "午睡"),
    "eat": ("吃", "吃饭", "啃", "喝", "喝水", "进食"),
    "wave": ("挥手", "招手", "挥舞"),
    "dance": ("跳舞", "舞蹈", "摇摆"),
    "drive": ("开", "行驶", "开车", "骑"),
    "bike": ("骑车", "骑自行车"),
    "launch": ("发射", "起飞"),
    "sing": ("唱歌", "玩", "看书", "读书", "写字", "做饭", "工作", "学习", "看", "坐", "站",
             "笑", "说话", "聊天", "玩耍"),
}
# Words above that the motion lexicon does not know yet, and the motion they take.
MANNER_MOTIONS_EN: dict[str, tuple[str, ...]] = {
    # Not "wave" (the sea), "cook", "watch" or "bike": nouns first in everyday text.
    "still": ("sleep", "nap", "doze", "snooze", "slumber", "eat", "chew", "munch", "nibble",
              "feed", "graze", "gnaw", "drink", "greet", "dance", "boogie", "sing",
              "play", "read", "write", "work", "study", "think", "look",
              "smile", "laugh", "talk"),
    "move": ("jog", "hike", "paddle", "cycle", "pedal", "cruise", "ride", "flutter", "flap"),
    "rise": ("launch", "blast off"),
    "fall": ("dive",),
}
MANNER_MOTIONS_ZH: dict[str, tuple[str, ...]] = {
    "still": ("睡", "睡觉", "睡着", "打盹", "躺", "休息", "熟睡", "午睡", "吃", "吃饭", "啃", "喝",
              "喝水", "进食", "挥手", "招手", "挥舞", "跳舞", "舞蹈", "摇摆", "唱歌", "玩", "看书",
              "读书", "写字", "做饭", "工作", "学习", "看", "坐", "站", "笑", "说话", "聊天", "玩耍"),
    "move": ("散步", "漫步", "走路", "步行", "溜达", "跑步", "飞奔", "飞翔", "翱翔", "潜水",
             "开车", "骑", "骑车", "骑自行车"),
    "rise": ("发射", "起飞"),
}

# sing is a catch-all for "doing something in place": no secondary motion of its own.
MANNERS: tuple[str, ...] = tuple(m for m in MANNER_WORDS_EN if m != "sing")
# The verb stem an action icon names ("person-running", "person-biking"), per manner.
ICON_VERBS: dict[str, str] = {"walk": "walk", "run": "run", "swim": "swim", "bike": "bike",
                              "dance": "dance", "sleep": "sleep"}


def _index(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {w: m for m, words in table.items() if m != "sing" for w in words}


_EN, _ZH = _index(MANNER_WORDS_EN), _index(MANNER_WORDS_ZH)


def manner_of(verb_key: str) -> str | None:
    """The manner a verb (its lexicon key: "walk", "睡觉") says, or None."""
    return _EN.get(verb_key) or _ZH.get(verb_key)
