"""`parse`: text (English, Chinese or both, a prompt or a script) -> Storyboard.

One sentence is one shot, except a continuation: a sentence with no subject of its own that
opens with a pronoun or a connective ("It ...", "Then it ...", "Then ...", "然后它...", "它...").
A continuation refers to the previous shot's subjects ("it"/"它": the main one; "they"/"它们":
all of them) and
- is merged into the previous shot when it only adds to it (a motion where there was none, a
  colour, a speed, a setting): its words join the narration and the shot's duration;
- becomes a new shot that carries the previous subjects and setting over when it gives them a
  different motion (a shot shows one motion per subject), or when a [cut]/[crossfade]/[morph]
  directive stands before it.
"""
from __future__ import annotations

import copy
import re

from .. import limits, vocab
from ..errors import InputError
from ..storyboard import Action, Setting, Shot, Storyboard, Subject
from . import embedding, grammar, lexicon_en, lexicon_zh, script
from .grammar import Reading, SubjectDraft
from .language import detect_language, spoken_seconds
from .mood import mood_of
from .open_world import OpenWorld, setting_of_prop
from .tokens import Token, has_han, tokenize

# The background a time of day implies when no place is named ("at night" -> night sky), and
# what a bare "sky" is at that time.
TIME_BACKGROUND = {"night": "night_sky", "dusk": "sunset", "dawn": "sunset"}
SKY_AT = {"day": "day_sky", "night": "night_sky", "dusk": "sunset", "dawn": "sunset"}
_CJK_END_RE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]$")


class _ShotSource:
    """Per shot: what built it, kept so a continuation can recompute its mood."""

    def __init__(self, tokens: list[Token], moods: list[str]):
        self.tokens, self.moods = tokens, moods


def parse(text: str, assets: str | None = None, transition: str = "crossfade") -> Storyboard:
    """Understand a prompt or script. Nouns outside the vocabulary are looked up in the material
    library, and in the user's own folder `assets` first. `transition` (vocab.TRANSITIONS) enters
    every shot after the first that has no [cut]/[crossfade]/[morph] directive of its own. Raises
    InputError on empty text, text over `limits.MAX_TEXT_CHARS` characters, more than
    `limits.MAX_SHOTS` shots, or an unknown transition."""
    # 1. Check the input
    limits.check_text(text)
    if transition not in vocab.TRANSITIONS:
        raise InputError(f"transition {transition!r} is unknown; choose one of {', '.join(vocab.TRANSITIONS)}")
    warnings: list[str] = []
    world = OpenWorld(assets)
    # 2. Split into sentences (comments, directives and markup handled)
    sentences = script.sentences(text, warnings)
    if not sentences:
        preview = text.strip()[:40]
        raise InputError(f"text {preview!r} has no words to turn into shots: give 1 to "
                         f"{limits.MAX_SHOTS} sentences")
    shots: list[Shot] = []
    notes: list[_ShotSource] = []
    # 3. Read each sentence and turn it into a shot (or fold it into the previous one)
    for sentence in sentences:
        tokens = tokenize(sentence.text)
        reading = grammar.read(tokens, world.is_noun)
        n = len(shots) + 1
        local: list[str] = []
        _resolve_unknown_words(reading, local, world)
        prev = shots[-1] if shots else None
        if prev is not None and not reading.own_subjects and reading.opens_with_reference:
            n = _continue(shots, notes, sentence, tokens, reading, transition)
        else:
            shots.append(_new_shot(sentence, tokens, reading, local, world, transition))
            notes.append(_ShotSource(tokens, list(reading.moods)))
        warnings.extend(f"shot {n}: {w}" for w in local + reading.notes)
        if len(shots) > limits.MAX_SHOTS:
            raise InputError(f"text has more than {limits.MAX_SHOTS} shots (shot {len(shots)} "
                             f"starts at line {sentence.line}), over the limit {limits.MAX_SHOTS}")
    if world.missing:
        warnings.insert(0, world.missing)
    warnings[:0] = world.notes()
    # 4. The first shot opens with a cut, whatever was asked
    if shots[0].transition != "cut" and sentences[0].transition:
        warnings.append(f"shot 1: [{shots[0].transition}] was ignored: the first shot opens with a cut")
    shots[0].transition = "cut"
    return Storyboard(shots=shots, warnings=warnings)


def _resolve_unknown_words(reading: Reading, warnings: list[str], world: OpenWorld) -> None:
    """Find unknown nouns in the material library (or, without one, map them onto the
    vocabulary by embedding similarity), unknown colour words on the colours, and unknown place
    nouns among the props and settings; report what stays unknown. Subjects whose noun stays
    unknown are left out."""
    kept = []
    for draft in reading.subjects:
        _name_with_modifier(draft, world)
        if draft.unknown is not None and not _resolve_subject(draft, world, warnings):
            continue
        if draft.kind is not None and draft.color is None:
            for word in draft.unknown_colors:
                draft.color = _map_word(word, "color", warnings, "it was ignored")
                if draft.color:
                    break
        kept.append(draft)
    reading.subjects = kept
    for word in reading.background_slots:
        _place(word, reading, world, warnings)
    if reading.on is not None and reading.background is None:
        reading.background = setting_of_prop(reading.on)


def _place(word: str, reading: Reading, world: OpenWorld, warnings: list[str]) -> None:
    """A place noun after "in/on/at": one of the setting's own props ("on the sofa"), else a
    setting by meaning while none is named ("by the lagoon"), else a material to sit on ("on
    a drum"); reported when nothing fits."""
    language = "zh" if has_han(word) else "en"
    if reading.on is None:
        prop = world.prop(word, language, reading.background, materials=False)
        if prop is None and reading.background is None:
            tried: list[str] = []
            reading.background = _map_word(word, "background", tried, "it was ignored")
            if reading.background is not None:
                warnings.extend(tried)
                return
        prop = prop or world.prop(word, language, reading.background)
        if prop is not None:
            reading.on = prop
            return
    what = "a setting, a prop or a material" if world.library() else "understood"
    warnings.append(f"'{word}' is not {what}{world.nearest(word, language)}; it was ignored")


def _name_with_modifier(draft: SubjectDraft, world: OpenWorld) -> None:
    """"teddy bear", "soccer ball", "fire engine": a word before the noun that makes a material's
    name with it gives that material, not the noun alone (a bear, a red circle)."""
    if not draft.unknown_colors or not draft.noun or has_han(draft.noun):
        return
    phrase = f"{draft.unknown_colors[-1]} {draft.noun}"
    match = world.named(phrase, "en")
    if match is not None:
        draft.kind, draft.asset, draft.unknown = match.name, match, None
        draft.unknown_colors = draft.unknown_colors[:-1]


def _resolve_subject(draft: SubjectDraft, world: OpenWorld, warnings: list[str]) -> bool:
    """Give an unknown noun its material, found by name or synonym; failing that, whichever of
    the nearest material and the nearest vocabulary kind (a typo, a near-synonym: "rhombuss",
    "limousine") is nearer in meaning. False when it has neither and is left out."""
    word = draft.unknown
    language = "zh" if has_han(word) else "en"
    match = world.subject(word, language)
    if match is not None and match.matched_by != "embedding":
        draft.kind, draft.asset = match.name, match
        return True
    tried: list[str] = []
    kind = _map_word_scored(word, "object", tried, "it was left out")
    if kind is not None and (match is None or kind[1] >= match.score):
        draft.kind = kind[0]
        warnings.extend(tried)
        return True
    if match is not None:
        draft.kind, draft.asset = match.name, match
        warnings.append(f"'{word}' is drawn as the material '{match.name}' (similarity "
                        f"{match.score:.2f})")
        return True
    if world.missing:
        warnings.extend(tried)
        return False
    warnings.append(f"'{word}' is not in the vocabulary or the material library"
                    f"{world.nearest(word, language)}; it was left out")
    return False


def _embeddable(word: str) -> bool:
    """A word of two or more Latin letters: the embedding model is English-only, so Chinese
    (or Cyrillic, Hangul, ...) words must be in the lexicon, and stray letters are no nouns."""
    return len(word) >= 2 and word.isalpha() and all(ord(ch) < 0x250 for ch in word)


def _singulars(word: str) -> list[str]:
    """The word and its possible singulars: the model scores "kitten" above "kittens"."""
    out = [word]
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 3:
        out.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        out.append(word[:-1])
    return out


def _map_word(word: str, category: str, warnings: list[str], otherwise: str) -> str | None:
    found = _map_word_scored(word, category, warnings, otherwise)
    return found[0] if found else None


def _map_word_scored(word: str, category: str, warnings: list[str],
                     otherwise: str) -> tuple[str, float] | None:
    """(vocabulary entry, similarity) for an unknown word, or None; says which in `warnings`."""
    gloss = lexicon_zh.GLOSSES.get(word)
    if gloss:
        shown, word = f"'{word}' ('{gloss}')", gloss
    elif _embeddable(word):
        shown = f"'{word}'"
    else:
        warnings.append(f"'{word}' is not in the vocabulary; {otherwise}")
        return None
    found = max((f for f in map(lambda w: embedding.nearest(w, category), _singulars(word)) if f),
                key=lambda f: f[1], default=None)
    threshold = embedding.MIN_SIMILARITY[category]
    if found is None:
        warnings.append(f"{shown} was not understood (the embedding fallback needs the [ml] "
                        f"extra); {otherwise}")
        return None
    entry, similarity = found
    if similarity < threshold:
        warnings.append(f"{shown} was not understood (nearest '{entry}', similarity "
                        f"{similarity:.2f}, under {threshold:.2f}); {otherwise}")
        return None
    warnings.append(f"{shown} was mapped to '{entry}' (similarity {similarity:.2f})")
    return entry, similarity


def _new_shot(sentence: script.Sentence, tokens: list[Token], reading: Reading,
              warnings: list[str], world: OpenWorld, transition: str) -> Shot:
    subjects = [_subject(d, warnings, world) for d in world.merge_riders(reading.own_subjects)]
    if len(subjects) > limits.MAX_SUBJECTS:
        dropped = ", ".join(s.kind for s in subjects[limits.MAX_SUBJECTS:])
        warnings.append(f"{len(subjects)} subjects named, over the limit {limits.MAX_SUBJECTS} "
                        f"per shot; kept the first {limits.MAX_SUBJECTS} (left out: {dropped})")
        subjects = subjects[:limits.MAX_SUBJECTS]
    if not reading.understood and not warnings:
        warnings.append(f"nothing in {sentence.text!r} was understood; it shows an empty scene")
    mood, _ = mood_of(sentence.text, tokens, reading.moods)
    return Shot(text=sentence.text, subjects=subjects, setting=_setting(reading), mood=mood,
                narration=sentence.text, duration_s=spoken_seconds(sentence.text),
                language=detect_language(sentence.text),
                transition=sentence.transition or transition)


def _subject(draft: SubjectDraft, warnings: list[str], world: OpenWorld) -> Subject:
    assert draft.kind is not None
    count = draft.count
    if count > limits.MAX_SUBJECTS or count < 1:
        clamped = min(limits.MAX_SUBJECTS, max(1, count))
        if draft.count_exact or count < 1:
            warnings.append(f"'{draft.count_word}' asks for {count} {draft.kind}(s), outside the "
                            f"limit 1..{limits.MAX_SUBJECTS} per subject; using {clamped}")
        count = clamped
    motion, direction, speed = grammar.finish_action(draft)
    asset = world.action_icon(draft.asset, draft.manner) if draft.asset is not None else None
    return Subject(kind=asset.name if asset else draft.kind,
                   color=draft.color or vocab.OBJECTS.get(draft.kind, vocab.NATURAL),
                   size=draft.size or "medium", count=count,
                   action=Action(motion=motion, direction=direction, speed=speed,
                                 manner=draft.manner),
                   asset=asset)


def _setting(reading: Reading, base: Setting | None = None) -> Setting:
    """The setting a sentence names, on top of `base` (the previous shot's, for continuations)."""
    time = reading.time or (base.time if base and not reading.background else None)
    if reading.background == lexicon_en.SKY:
        background = SKY_AT[time or "day"]
    elif reading.background:
        background = reading.background
    elif base and time and base.background in ("day_sky", "night_sky", "sunset"):
        background = SKY_AT[time]           # "Then night falls": the sky changes with the time
    elif base and not (time and base.background == "plain"):
        background = base.background
    else:
        background = TIME_BACKGROUND.get(time or "day", "plain")
    weather = reading.weather or (base.weather if base else "clear")
    on = reading.on or (base.on if base and not reading.background else None)
    return Setting(background=background, time=time or vocab.BACKGROUND_TIME[background],
                   weather=weather, on=on)


# ---- continuations -------------------------------------------------------------------------

def _continue(shots: list[Shot], notes: list[_ShotSource], sentence: script.Sentence,
              tokens: list[Token], reading: Reading, transition: str) -> int:
    """Fold a continuation into the previous shot, or start a shot that carries its subjects
    over; returns the number of the shot it went into."""
    prev = shots[-1]
    placeholder = next((s for s in reading.subjects if s.refers_to), None)
    targets = list(range(len(prev.subjects)))
    if placeholder is None or placeholder.refers_to == "one":
        targets = targets[:1]
    new_motion = placeholder.motion if placeholder else None
    conflict = new_motion is not None and any(
        prev.subjects[i].action.motion not in ("still", new_motion) for i in targets)
    if conflict or sentence.transition:
        shot = copy.deepcopy(prev)
        shot.text = shot.narration = sentence.text
        shot.duration_s = spoken_seconds(sentence.text)
        shot.language = detect_language(sentence.text)
        shot.transition = sentence.transition or transition
        mood, said = mood_of(sentence.text, tokens, reading.moods)
        shot.mood = mood if said else shot.mood
        shots.append(shot)
        notes.append(_ShotSource(tokens, list(reading.moods)))
    else:
        shot = prev
        joiner = "" if _CJK_END_RE.search(prev.text) and has_han(sentence.text[:1]) else " "
        shot.text = shot.text + joiner + sentence.text
        shot.narration = shot.narration + joiner + sentence.text
        shot.duration_s = spoken_seconds(shot.narration)
        note = notes[-1]
        note.tokens, note.moods = note.tokens + tokens, note.moods + reading.moods
        shot.mood, _ = mood_of(shot.narration, note.tokens, note.moods)
    if placeholder is not None:
        for i in targets:
            _alter(shot.subjects[i], placeholder)
    shot.setting = _setting(reading, base=shot.setting)
    return len(shots)


def _alter(subject: Subject, change: SubjectDraft) -> None:
    """Apply what a continuation says about a subject ("it turns blue", "then it spins")."""
    subject.color = change.color or subject.color
    subject.size = change.size or subject.size
    direction = change.direction()
    if change.motion is not None:
        motion, direction, speed = grammar.finish_action(change)
        subject.action = Action(motion=motion, direction=direction, speed=speed,
                                manner=change.manner)
        return
    if direction is not None:
        if subject.action.motion in vocab.DIRECTED_MOTIONS:
            subject.action.direction = direction
        elif subject.action.motion == "still":
            subject.action = Action(motion="move", direction=direction,
                                    speed=subject.action.speed)
    if change.speed or change.implied_speed:
        subject.action.speed = change.speed or change.implied_speed or subject.action.speed
