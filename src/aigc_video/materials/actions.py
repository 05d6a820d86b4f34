"""People doing things: Fluent has 'person-running', 'man-swimming', 'woman-biking', ...

`variant_name('man', 'run')` -> ['man-running', 'person-running']: icon names to try in order.
"""
from __future__ import annotations

# verb base -> the icon name's action part (after 'person-' / 'man-' / 'woman-')
ACTIONS: dict[str, str] = {
    "run": "running", "walk": "walking", "stand": "standing", "kneel": "kneeling",
    "bike": "biking", "cycle": "biking", "mountain bike": "mountain-biking",
    "swim": "swimming", "surf": "surfing", "climb": "climbing", "dance": "dancing",
    "row": "rowing-boat", "juggle": "juggling", "cartwheel": "cartwheeling",
    "lift": "lifting-weights", "golf": "golfing", "bow": "bowing", "bounce": "bouncing-ball",
    "dribble": "bouncing-ball", "shrug": "shrugging", "facepalm": "facepalming",
    "meditate": "in-lotus-position", "fence": "fencing", "bathe": "taking-bath", "sleep": "in-bed",
}
# Actions drawn by one icon whatever the person's gender.
SINGLE = {"ski": "skier", "snowboard": "snowboarder", "fence": "person-fencing",
          "bathe": "person-taking-bath", "sleep": "person-in-bed"}
_IRREGULAR = {"ran": "run", "swam": "swim", "swum": "swim", "rode": "bike", "ride": "bike",
              "skiing": "ski", "skied": "ski", "biking": "bike", "cycling": "cycle", "dancing": "dance",
              "juggling": "juggle", "sleeping": "sleep", "slept": "sleep", "stood": "stand", "knelt": "kneel",
              "bathing": "bathe", "fencing": "fence", "lifting": "lift", "snowboarding": "snowboard"}
_MAN = {"man", "boy", "old-man", "man-beard"}
_WOMAN = {"woman", "girl", "old-woman", "woman-beard"}


def verb_base(verb: str) -> str:
    """'running' -> 'run', 'swims' -> 'swim', 'walked' -> 'walk' (enough for the table above)."""
    v = verb.strip().lower()
    if v in ACTIONS or v in SINGLE:
        return v
    if v in _IRREGULAR:
        return _IRREGULAR[v]
    for suffix in ("ing", "ed", "s"):
        if v.endswith(suffix):
            stem = v[:-len(suffix)]
            for cand in (stem, stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem, stem + "e"):
                if cand in ACTIONS or cand in SINGLE:
                    return cand
    return v


def variant_name(subject: str, verb: str) -> list[str]:
    """Icon names showing `subject` (an icon name of a person) doing `verb`, best first."""
    base = verb_base(verb)
    if base in SINGLE:
        return [SINGLE[base]]
    if base not in ACTIONS:
        return []
    who = "man" if subject in _MAN or subject.startswith("man-") else \
          "woman" if subject in _WOMAN or subject.startswith("woman-") else "person"
    return list(dict.fromkeys([f"{who}-{ACTIONS[base]}", f"person-{ACTIONS[base]}"]))
