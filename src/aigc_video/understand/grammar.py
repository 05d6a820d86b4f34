"""Tagged tokens of one sentence -> a Reading: its subjects (with their actions), setting, mood
words, and the unknown words that stood where a vocabulary word was expected.

One left-to-right pass with a few rules, the same for English and Chinese (both put modifiers
before the noun and the verb after the subject):
- a noun phrase is [determiner|count] [size] [colour] noun; its modifiers wait for their noun.
  Modifiers left without a noun at the end of a clause describe the last subject ("the ball
  turns blue");
- a motion goes to the subjects named since the last motion, else to those that took the last
  motion (or the last subject); direction and speed words go to the motion they sit next to;
- a pronoun with no subject before it in the sentence stands for the previous shot's subject(s)
  (a placeholder subject with kind None that the parser resolves);
- an unknown word that heads a noun phrase becomes a subject (or, after "in/on/at...", the
  background) whose kind the parser resolves by embedding similarity, or reports.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import vocab
from . import lexicon_en, lexicon_zh
from .manners import manner_of
from .tokens import Token

if TYPE_CHECKING:
    from ..materials import Match
    from ..storyboard import Prop

SETTING_CATEGORIES = ("background", "time", "weather")
_MAX_UNKNOWN_RUN = 3   # words between a determiner and its noun worth considering


@dataclass
class SubjectDraft:
    kind: str | None                # vocab.OBJECTS name or material name; None: pronoun or unknown noun
    color: str | None = None
    size: str | None = None
    count: int = 1
    count_word: str = ""            # the number as written, for warnings
    count_exact: bool = False       # "five" (warn when clamped) vs "many" (clamp quietly)
    unknown: str | None = None      # the unknown head noun to resolve ("giraffe")
    noun: str = ""                  # the head noun as written ("ball", "giraffe")
    unknown_colors: list[str] = field(default_factory=list)  # unknown words before the noun
    refers_to: str | None = None    # "one" | "all": a pronoun for the previous shot's subjects
    motion: str | None = None
    motion_word: str = ""
    manner: str | None = None       # how, from the verb (understand.manners)
    asset: Match | None = None      # the material, once the parser has resolved `unknown`
    directions: list[str] = field(default_factory=list)
    speed: str | None = None
    implied_speed: str | None = None

    def direction(self) -> str | None:
        """One direction from the words said: the last diagonal, else the last vertical and the
        last horizontal combined ("up" ... "left" -> up_left)."""
        diagonal = [d for d in self.directions if "_" in d]
        if diagonal:
            return diagonal[-1]
        vertical = [d for d in self.directions if d in ("up", "down")]
        horizontal = [d for d in self.directions if d in ("left", "right")]
        if vertical and horizontal:
            return f"{vertical[-1]}_{horizontal[-1]}"
        return (vertical or horizontal or [None])[-1]


@dataclass
class Reading:
    subjects: list[SubjectDraft] = field(default_factory=list)
    background: str | None = None
    time: str | None = None
    implied_time: str | None = None     # from a place word ("sunset" -> dusk)
    weather: str | None = None
    moods: list[str] = field(default_factory=list)           # explicit mood words' labels
    background_slots: list[str] = field(default_factory=list)  # unknown place nouns
    object_place: str | None = None     # a place word as a verb's object ("eats grass"): the
                                        # background only if no other place is named
    on: Prop | None = None              # the prop a place noun named, once the parser resolved it
    notes: list[str] = field(default_factory=list)           # things to warn about
    opens_with_reference: bool = False  # first content word is a pronoun or "then"
    understood: int = 0                 # tokens found in the lexicon

    @property
    def own_subjects(self) -> list[SubjectDraft]:
        return [s for s in self.subjects if s.refers_to is None]


@dataclass
class _Phrase:
    """A noun phrase being read: modifiers waiting for their noun."""
    opened: bool = False                # a determiner, count or leading modifier was seen
    bare: bool = False                  # opened by an unknown word alone (no determiner)
    count: int | None = None
    count_word: str = ""
    count_exact: bool = False
    color: str | None = None
    size: str | None = None
    unknown: list[Token] = field(default_factory=list)

    def empty(self) -> bool:
        return self.count is None and self.color is None and self.size is None and not self.unknown


_CONNECTIVE_LIKE = ("connective", "speed", "punct", "particle", "conjunction")
# A second verb that only says how the first motion goes, not a new one: "绕着月亮飞/旋转"
# (orbit by flying/turning), "bounces along" -- taken silently.
_ABSORBED: dict[str | None, frozenset[str]] = {
    None: frozenset({"still", "move"}),
    "orbit": frozenset({"still", "move", "spin"}),
}


class _Reader:
    def __init__(self, tokens: list[Token], is_noun: Callable[[str], bool] | None = None):
        self.tokens = tokens
        self.is_noun = is_noun or (lambda word: False)
        self.r = Reading()
        self.np = _Phrase()
        self.waiting: list[SubjectDraft] = []   # named since the last motion
        self.group: list[SubjectDraft] = []     # took the last motion
        self.pending_dirs: list[str] = []
        self.pending_speed: str | None = None
        self.after_locative = False
        self.after_motion = False   # a noun right after a verb is its object ("chases a ball")
        self.seen_content = False
        self.negated_at = -10

    # -- the pass ---------------------------------------------------------------------------

    def read(self) -> Reading:
        for i, tok in enumerate(self.tokens):
            nxt = self.tokens[i + 1] if i + 1 < len(self.tokens) else None
            self.step(i, tok, nxt)
        self.flush(None)
        # Direction or speed with no motion to take it: the subjects named last move that way.
        if self.pending_dirs or self.pending_speed:
            targets = self.waiting or self.group or self.r.subjects[-1:]
            self.apply_pending(targets)
        self.r.time = self.r.time or self.r.implied_time
        self.r.background = self.r.background or self.r.object_place
        return self.r

    def step(self, i: int, tok: Token, nxt: Token | None) -> None:
        cat, val = tok.category, tok.value
        if cat is not None and cat not in ("punct", "particle"):
            self.r.understood += 1
        initial = not self.seen_content
        if initial and cat not in _CONNECTIVE_LIKE:
            self.seen_content = True
            self.r.opens_with_reference = cat == "pronoun" or any(
                t.category == "connective" for t in self.tokens[:i])
        if cat is None:
            self.unknown_word(i, tok, nxt, initial)
        elif cat in ("det", "number"):
            self.flush(tok)
            self.np = _Phrase(opened=True)
            if cat == "number" or tok.key in ("a", "an"):
                self.np.count = int(val) if cat == "number" else 1
                self.np.count_word = tok.text
                self.np.count_exact = cat == "number" and (
                    tok.key.isdigit() or tok.key in lexicon_en.EXACT_NUMBERS
                    or (tok.language == "zh" and tok.key not in lexicon_zh.QUANTITIES))
        elif cat == "shade":
            if not self.np.opened and self.np.empty():
                self.np.opened = self.at_phrase_start(i)
        elif cat in ("color", "size"):
            if not self.np.opened and self.np.empty():
                self.np.opened = self.at_phrase_start(i)
            if cat == "color":
                self.np.color = str(val)
            else:
                self.np.size = str(val)
        elif cat == "object":
            verb = lexicon_en.VERB_READINGS.get(tok.key)
            if verb and not self.np.opened and self.np.empty() and self.r.subjects:
                self.motion(Token(tok.text, [("motion", verb)], key=tok.key))
            else:
                self.new_subject(str(val), tok)
        elif cat == "motion":
            self.flush(tok)
            self.after_locative = False   # a verb ends the place: "在竹林里吃竹子"
            self.motion(tok)
        elif cat == "direction":
            self.flush(tok)
            if tok.key in ("up", "down") and self.place_follows(i):
                self.after_locative = True   # "drives down the street": along it, not downwards
            else:
                self.direction(str(val))
        elif cat == "speed":
            self.speed(str(val))
        elif cat in SETTING_CATEGORIES:
            if not self.np.unknown or self.after_locative:
                # "over a calm blue sea", "in a cozy living room": the words before the place
                # describe it, not a subject.
                self.np.color = self.np.size = None
                self.np.unknown = []
            self.flush(tok)
            if cat == "background" and i and self.tokens[i - 1].category == "motion":
                # "eats grass on the farm": grass is what it eats; the farm is where.
                self.r.object_place = self.r.object_place or str(val)
                return
            if cat == "weather" and val == "snow" and self.after_locative:
                self.setting("background", "snow")   # "walks on the snow": snowy ground, not snowfall
                self.after_locative = False
                return
            for c, v in tok.tags:
                if c == "time" and cat != "time":
                    # "sunset" implies dusk; a time said outright ("at dawn") wins over it
                    self.r.implied_time = self.r.implied_time or str(v)
                elif c in SETTING_CATEGORIES:
                    self.setting(c, str(v))
            self.after_locative = False
        elif cat == "mood":
            if i - self.negated_at > 2:
                self.r.moods.append(str(val))
        elif cat == "pronoun":
            self.flush(tok)
            self.pronoun(str(val))
        elif cat == "negation":
            self.negated_at = i
        elif cat == "locative":
            self.flush(tok)
            self.after_locative = True
        elif cat in ("conjunction", "punct", "connective"):
            self.flush(tok)
            self.after_locative = self.after_motion = False

    def place_follows(self, i: int) -> bool:
        """Whether a place ("the street", "a hill") comes right after token i."""
        rest = [t for t in self.tokens[i + 1:] if t.category != "det"]
        return bool(rest) and rest[0].category == "background"

    def at_phrase_start(self, i: int) -> bool:
        """Whether a modifier at i can open a noun phrase (and collect an unknown noun after
        it): at the start, or after a clause boundary, not after a verb ("turns blue now")."""
        prev = next((t for t in reversed(self.tokens[:i]) if t.category != "particle"), None)
        return prev is None or prev.category in (
            "conjunction", "punct", "connective", "locative", "det", "number", "negation")

    # -- noun phrases -----------------------------------------------------------------------

    def unknown_word(self, i: int, tok: Token, nxt: Token | None, initial: bool) -> None:
        if tok.language == "zh":
            # jieba knows Chinese nouns; anything else unknown (verbs, adverbs) is passed over.
            if tok.noun and tok.text not in lexicon_zh.ABSTRACT_NOUNS:
                self.np.unknown.append(tok)
                self.flush(nxt)
            return
        if self.np.opened:
            if len(self.np.unknown) < _MAX_UNKNOWN_RUN:
                self.np.unknown.append(tok)
        elif initial or (nxt is not None and nxt.category == "motion" and self.np.empty()
                         and not self.r.subjects):
            # A bare noun opening the sentence ("Giraffes run"): kept only if a verb follows.
            self.np = _Phrase(opened=True, bare=True, unknown=[tok])
        elif self.after_motion and self.np.empty() and self.tokens[i - 1].category == "motion":
            # A bare object right after its verb: "eats bamboo", "drinks coffee".
            self.np = _Phrase(opened=True, unknown=[tok])

    @staticmethod
    def head_of(np: _Phrase, nxt: Token | None) -> int | None:
        """Index of the head noun among a phrase's unknown words, or None."""
        words = np.unknown
        if np.bare:   # "Tall giraffes run": the word before the verb
            return len(words) - 1 if nxt is not None and nxt.category == "motion" else None
        if words[0].language == "zh":
            return len(words) - 1
        texts = [w.text for w in words]
        if (np.count or 1) > 1:
            plural = [k for k, t in enumerate(texts) if t.endswith("s")]
            if plural:
                return plural[0]
        for k in range(len(texts) - 1):
            # "giraffe eats": a singular noun followed by a verb ending in -s
            if texts[k + 1].endswith("s") and not texts[k].endswith("s"):
                return k
        return len(texts) - 1

    def flush(self, nxt: Token | None) -> None:
        """End the noun phrase being read (the next token is not part of it)."""
        np = self.np
        self.np = _Phrase()
        if np.unknown:
            head = self.head_of(np, nxt)
            if head is None:
                return
            word = np.unknown[head]
            if word.language == "en" and (
                    word.text in lexicon_en.ABSTRACT_NOUNS or word.text in lexicon_en.NOT_NOUNS
                    or (word.text.endswith(lexicon_en.NOT_NOUN_SUFFIXES)
                        and word.text not in lexicon_en.SUFFIX_NOUNS and not self.is_noun(word.text))):
                return
            if self.after_locative:
                self.r.background_slots.append(word.text)
                self.after_locative = False
                return
            draft = self.add_subject(SubjectDraft(kind=None, unknown=word.text, noun=word.text), np, word)
            if draft.color is None:
                draft.unknown_colors = [w.text for w in np.unknown[:head]]
            return
        if (np.color or np.size) and self.r.subjects:
            # Modifiers left without a noun describe the last subject ("it turns blue").
            target = self.r.subjects[-1]
            target.color = np.color or target.color
            target.size = np.size or target.size

    def new_subject(self, kind: str, tok: Token) -> None:
        np = self.np
        self.np = _Phrase()
        unknown = [w.text for w in np.unknown if w.text not in lexicon_en.ABSTRACT_NOUNS]
        draft = self.add_subject(SubjectDraft(kind=kind, noun=tok.text), np, tok)
        if draft.color is None and unknown:
            draft.unknown_colors = unknown
        self.after_locative = False

    def add_subject(self, draft: SubjectDraft, np: _Phrase, tok: Token) -> SubjectDraft:
        draft.color, draft.size = np.color, np.size
        if np.count is not None:
            draft.count, draft.count_word, draft.count_exact = np.count, np.count_word, np.count_exact
        elif tok.plural or (tok.language == "en" and tok.category is None and tok.text.endswith("s")
                            and np.bare):
            draft.count, draft.count_word = 3, tok.text  # a bare plural: "several"
        self.r.subjects.append(draft)
        if not self.after_motion:
            # The object of a verb ("circles around the sun", "绕着月亮飞") takes no motion from
            # a verb after it; it stays where it is.
            self.waiting.append(draft)
        return draft

    # -- actions ----------------------------------------------------------------------------

    def motion(self, tok: Token) -> None:
        targets = self.waiting or self.group or self.r.subjects[-1:]
        if not targets:
            # "Then spins." -- no subject of its own: a placeholder for the previous shot's.
            placeholder = SubjectDraft(kind=None, refers_to="one")
            self.r.subjects.append(placeholder)
            targets = [placeholder]
        motion = str(tok.value)
        self.after_motion = True
        for t in targets:
            if t.motion is None or (t.motion == "still" and motion != "still"):
                t.motion, t.motion_word = motion, tok.text
                t.manner = manner_of(tok.key) or t.manner
                t.implied_speed = (lexicon_en.IMPLIED_SPEED.get(tok.key)
                                   or lexicon_zh.IMPLIED_SPEED.get(tok.key))
            elif t.motion == motion or motion in _ABSORBED.get(t.motion, _ABSORBED[None]):
                t.manner = t.manner or manner_of(tok.key)   # "sits and eats": eats says how
            else:
                self.r.notes.append(
                    f"'{tok.text}' was ignored: '{t.motion_word}' already gives "
                    f"{t.kind or t.unknown or 'the subject'} its motion (one motion per shot)")
        self.group, self.waiting = targets, []
        self.apply_pending(targets)

    def apply_pending(self, targets: list[SubjectDraft]) -> None:
        for t in targets:
            t.directions.extend(self.pending_dirs)
            t.speed = self.pending_speed or t.speed
        self.pending_dirs, self.pending_speed = [], None

    def direction(self, value: str) -> None:
        if not self.waiting and self.group:
            for t in self.group:
                t.directions.append(value)
        else:
            self.pending_dirs.append(value)

    def speed(self, value: str) -> None:
        if not self.waiting and self.group:
            for t in self.group:
                t.speed = value
        else:
            self.pending_speed = value

    def pronoun(self, refers_to: str) -> None:
        own = self.r.own_subjects
        if own:
            self.waiting = own if refers_to == "all" else own[-1:]
            return
        placeholder = next((s for s in self.r.subjects if s.refers_to), None)
        if placeholder is None:
            placeholder = SubjectDraft(kind=None, refers_to=refers_to)
            self.r.subjects.append(placeholder)
        self.waiting = [placeholder]

    # -- setting ----------------------------------------------------------------------------

    def setting(self, category: str, value: str) -> None:
        r = self.r
        if category == "background":
            # The first named place wins, except that a bare "sky" takes a more specific one.
            if r.background is None or (r.background == lexicon_en.SKY and value in
                                        ("day_sky", "night_sky", "sunset", "space")):
                r.background = value
        elif category == "time":
            r.time = r.time or value
        elif category == "weather":
            if r.weather in (None, "clear"):
                r.weather = value


def read(tokens: list[Token], is_noun: Callable[[str], bool] | None = None) -> Reading:
    """What one sentence says, in vocabulary terms (unknown nouns still to be resolved).
    `is_noun(word)` tells nouns that look like adverbs or adjectives ("butterfly", "table")."""
    return _Reader(tokens, is_noun).read()


def finish_action(draft: SubjectDraft) -> tuple[str, str | None, str]:
    """(motion, direction, speed) for a subject, with the defaults filled in: a direction with no
    motion means "move"; a directed motion with no direction goes right (reading order); other
    motions take no direction."""
    direction = draft.direction()
    motion = draft.motion or ("move" if direction else "still")
    if motion == "still" and direction:
        motion = "move"
    if motion in vocab.DIRECTED_MOTIONS:
        direction = direction or "right"
    else:
        direction = None
    speed = draft.speed or draft.implied_speed or "normal"
    return motion, direction, speed
