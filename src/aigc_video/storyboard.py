"""The Storyboard: what the text says, shot by shot (the output of `understand.parse`)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .materials import Match
from .serde import JsonMixin
from .vocab import BACKGROUND_TIME, NATURAL


@dataclass
class Action(JsonMixin):
    motion: str = "still"          # one of vocab.MOTIONS
    direction: str | None = None   # one of vocab.DIRECTIONS for directed motions, else None
    speed: str = "normal"          # one of vocab.SPEEDS
    manner: str | None = None      # how it is done, from the verb: understand.manners.MANNERS


@dataclass
class Subject(JsonMixin):
    kind: str                      # one of vocab.OBJECTS, or a material's name ("cat")
    color: str                     # one of vocab.COLORS; vocab.NATURAL: a material's own colours
    size: str = "medium"           # one of vocab.SIZES
    count: int = 1                 # 1..3 copies of the same object
    action: Action = field(default_factory=Action)
    asset: Match | None = None     # the material drawn for a kind outside vocab.OBJECTS


@dataclass
class Prop(JsonMixin):
    """A thing named as a place ("on a sofa", "at the table"), drawn as part of the setting."""
    name: str                      # as the setting's props name it, or the material's name
    asset: Match | None = None     # None: one of the setting's own props (scene.settings)


@dataclass
class Setting(JsonMixin):
    background: str = "plain"      # one of vocab.ALL_BACKGROUNDS
    time: str = "day"              # one of vocab.TIMES
    weather: str = "clear"         # one of vocab.WEATHERS
    on: Prop | None = None         # what the shot's resting subjects sit or lie on


@dataclass
class Mood(JsonMixin):
    label: str = "neutral"         # one of vocab.MOODS
    valence: float = 0.0           # -1 (negative) .. 1 (positive)
    arousal: float = 0.4           # 0 (calm) .. 1 (intense)


@dataclass
class Shot(JsonMixin):
    text: str                      # the sentence this shot came from
    subjects: list[Subject] = field(default_factory=list)  # 0..3, the first is the main one
    setting: Setting = field(default_factory=Setting)
    mood: Mood = field(default_factory=Mood)
    narration: str = ""            # what the voice says (the text, cleaned)
    duration_s: float = 3.0        # from the narration's spoken length, clamped to limits
    language: str = "en"           # "en" or "zh": picks the voice
    transition: str = "crossfade"  # how this shot is entered from the previous one: vocab.TRANSITIONS

    @property
    def action(self) -> Action:
        """The main subject's action (a shot with no subject is still)."""
        return self.subjects[0].action if self.subjects else Action()

    def caption(self) -> str:
        """Canonical English caption: how the learned engines' text encoder sees this shot,
        whatever language the text was in."""
        parts = []
        for s in self.subjects:
            many = s.count > 1
            color = "" if s.color == NATURAL else f" {s.color}"
            head = f"{NUMBER_WORDS[s.count]} {s.size}{color} {s.kind}{'s' if many else ''}"
            a = s.action
            verb = VERBS.get(a.motion, a.motion)
            if many:  # "two birds move", not "moves"
                first, _, rest = verb.partition(" ")
                verb = f"{_plural_verb(first)} {rest}".strip()
            if a.direction:
                verb += " " + a.direction.replace("_", " ")
            if a.speed != "normal":
                verb += " " + {"slow": "slowly", "fast": "quickly"}[a.speed]
            parts.append(f"{head} {verb}")
        text = " and ".join(parts) if parts else "an empty scene"
        st = self.setting
        text += f" in a {st.background.replace('_', ' ')} scene"
        if st.time != BACKGROUND_TIME.get(st.background, "day"):
            text += f" at {st.time}"
        if st.on is not None:
            text += f" on a {st.on.name}"
        if st.weather != "clear":
            text += f" with {st.weather}"
        return text


NUMBER_WORDS = {1: "a", 2: "two", 3: "three"}
VERBS = {"still": "stays still", "move": "moves", "bounce": "bounces", "jump": "jumps", "spin": "spins",
         "grow": "grows", "shrink": "shrinks", "zigzag": "zigzags", "orbit": "circles around",
         "fall": "falls", "rise": "rises", "fade_in": "fades in", "fade_out": "fades out"}


def _plural_verb(verb: str) -> str:
    """Third person singular to plural: moves -> move, bounces -> bounce, zigzags -> zigzag."""
    return verb[:-2] if verb.endswith(("shes", "ches", "sses")) else verb[:-1]


@dataclass
class Storyboard(JsonMixin):
    shots: list[Shot] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # words not understood and what they became

    @property
    def duration_s(self) -> float:
        return sum(s.duration_s for s in self.shots)
