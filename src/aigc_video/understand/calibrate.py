"""Measure the embedding fallback's thresholds: how well cosine similarity tells words that have a
sensible vocabulary entry from words that have none.

    python -m aigc_video.understand.calibrate

prints, per category, the threshold that maximises (fair mappings - wrong or spurious ones)
and the acceptance rates at the threshold in use (`embedding.MIN_SIMILARITY`). None of these
words is in the lexicon, so every one goes through the embedding.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import embedding

# word -> the entries that would be a fair reading of it
RELATED: dict[str, dict[str, str]] = {
    "object": {
        "cat": "dog", "kitten": "dog", "wolf": "dog", "fox": "dog", "horse": "dog",
        "bus": "car", "bicycle": "car", "train": "car", "motorcycle": "car",
        "castle": "house", "mansion": "house", "skyscraper": "house", "barn": "house",
        "planet": "circle moon sun", "globe": "circle", "marble": "circle", "coin": "circle",
        "comet": "star", "snowflake": "star", "kite": "balloon diamond bird", "zeppelin": "balloon",
        "orchid": "flower", "bush": "tree", "shrub": "tree", "dolphin": "fish", "whale": "fish",
        "shark": "fish", "jellyfish": "fish", "octopus": "fish", "penguin": "bird",
        "duck": "bird", "swan": "bird", "airplane": "bird", "pentagon": "hexagon",
    },
    "background": {
        "nebula": "space", "fjord": "sea lake river mountains", "lagoon": "sea lake beach",
        "interchange": "road street city", "suburb": "city street village",
        "savanna": "grass desert", "steppe": "grass", "oasis": "desert", "marsh": "lake river grass",
        "heath": "grass park", "waterfall": "river mountains forest",
    },
    "color": {"carmine": "red", "mahogany": "brown red", "aquamarine": "blue green",
              "saffron": "yellow orange", "taupe": "brown gray", "ecru": "white brown",
              "puce": "purple pink brown", "celadon": "green", "raspberry": "red pink",
              "bluish": "blue", "reddish": "red", "greenish": "green"},
}
UNRELATED: tuple[str, ...] = (
    "table", "idea", "music", "computer", "chair", "spoon", "pencil", "book", "democracy", "tax",
    "algorithm", "sock", "lamp", "phone", "door", "window", "bed", "cup", "knife", "keyboard",
    "mirror", "person", "man", "woman", "child", "robot", "monster", "ghost", "dragon", "cake",
    "apple", "shoe", "hat", "guitar", "piano", "blorf", "zxqv", "glimph", "frobnicate", "wug",
    "fluffy", "cute", "wooden", "angry", "soft", "striped", "tunnel", "idea box", "pillow",
    "blanket", "toaster",
)


@dataclass
class Calibration:
    category: str
    threshold: float              # the one in use
    best_threshold: float         # the one this measurement would pick
    related_accepted: float       # share of related words mapped to a fair entry at `threshold`
    wrong_accepted: float         # share of related words mapped to an unfair entry
    unrelated_accepted: float     # share of unrelated words mapped to anything


def calibrate(category: str) -> Calibration:
    related = RELATED[category]
    words = [*related, *UNRELATED]
    found = dict(zip(words, embedding.nearest_many(words, category)))
    if any(f is None for f in found.values()):
        raise RuntimeError("the embedding model is not installed (the [ml] extra)")
    fair = [found[w][1] for w in related if found[w][0] in related[w].split()]
    unfair = [found[w][1] for w in related if found[w][0] not in related[w].split()]
    spurious = [found[w][1] for w in UNRELATED]

    def score(t: float) -> int:
        return sum(s >= t for s in fair) - sum(s >= t for s in unfair + spurious)

    # ties go to the higher threshold: a word left out is reported, a wrong subject is drawn
    best = max((t / 100 for t in range(30, 90)), key=lambda t: (score(t), t))
    t = embedding.MIN_SIMILARITY[category]
    return Calibration(category, t, best, sum(s >= t for s in fair) / len(related),
                       sum(s >= t for s in unfair) / len(related),
                       sum(s >= t for s in spurious) / len(spurious))


if __name__ == "__main__":
    for cat in RELATED:
        c = calibrate(cat)
        print(f"{c.category:10s} in use {c.threshold:.2f} (measured best {c.best_threshold:.2f}): "
              f"related mapped fairly {c.related_accepted:.0%}, wrongly {c.wrong_accepted:.0%}; "
              f"unrelated mapped {c.unrelated_accepted:.0%}")
