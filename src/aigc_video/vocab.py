"""The closed vocabulary every stage speaks: objects, colours, sizes, motions, settings, moods.

`understand` maps words onto these names, `scene` knows how to plan and draw each of them,
`eval` detects them, and `data` samples them for training. Adding an entry here (and its drawing
in `scene.shapes`) is how the vocabulary grows.
"""
from __future__ import annotations

# Colours as sRGB. Hues are kept far apart so that a detector can tell them apart after blur.
COLORS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "orange": (245, 140, 20),
    "yellow": (245, 215, 30),
    "green": (40, 170, 60),
    "blue": (40, 90, 220),
    "purple": (140, 60, 190),
    "pink": (245, 130, 190),
    "white": (245, 245, 245),
    "black": (25, 25, 25),
    "brown": (130, 80, 40),
    "gray": (128, 128, 128),
}

# Geometric shapes and recognizable things; each has the colour it takes when none is named.
SHAPES: dict[str, str] = {
    "circle": "red",
    "square": "blue",
    "triangle": "green",
    "star": "yellow",
    "heart": "red",
    "hexagon": "purple",
    "diamond": "orange",
}
THINGS: dict[str, str] = {
    "sun": "yellow",
    "moon": "white",
    "cloud": "white",
    "tree": "green",
    "house": "brown",
    "car": "red",
    "bird": "blue",
    "fish": "orange",
    "boat": "white",
    "flower": "pink",
    "dog": "brown",
    "balloon": "red",
}
OBJECTS: dict[str, str] = {**SHAPES, **THINGS}

# Object diameter as a fraction of the frame height.
SIZES: dict[str, float] = {"small": 0.14, "medium": 0.22, "large": 0.32}

# Motions. "move" and "zigzag" and "bounce" take a direction; the rest have their own.
MOTIONS: tuple[str, ...] = (
    "still", "move", "bounce", "jump", "spin", "grow", "shrink",
    "zigzag", "orbit", "fall", "rise", "fade_in", "fade_out",
)
DIRECTIONS: tuple[str, ...] = (
    "left", "right", "up", "down", "up_left", "up_right", "down_left", "down_right",
)
DIRECTED_MOTIONS: frozenset[str] = frozenset({"move", "bounce", "zigzag"})
# Unit vectors in image coordinates (x right, y down).
DIRECTION_VECTORS: dict[str, tuple[float, float]] = {
    "left": (-1.0, 0.0), "right": (1.0, 0.0), "up": (0.0, -1.0), "down": (0.0, 1.0),
    "up_left": (-0.7071, -0.7071), "up_right": (0.7071, -0.7071),
    "down_left": (-0.7071, 0.7071), "down_right": (0.7071, 0.7071),
}
# Multiplier on a motion's base rate.
SPEEDS: dict[str, float] = {"slow": 0.5, "normal": 1.0, "fast": 2.0}

BACKGROUNDS: tuple[str, ...] = (
    "plain", "day_sky", "night_sky", "sunset", "sea", "grass", "desert", "snow", "city", "space",
)
# Settings added after the first ten: drawn by `scene.settings`. Kept apart from BACKGROUNDS,
# which the training data and the evaluation judge are built on.
SETTINGS: tuple[str, ...] = (
    "living_room", "kitchen", "bedroom", "classroom", "office", "restaurant", "library", "stage",
    "street", "village", "road", "airport", "train_station", "harbor", "stadium", "castle",
    "park", "garden", "playground", "beach", "lake", "river", "mountains", "forest", "bamboo_forest",
    "jungle", "farm", "wheat_field", "underwater", "swimming_pool", "cave",
)
ALL_BACKGROUNDS: tuple[str, ...] = BACKGROUNDS + SETTINGS
TIMES: tuple[str, ...] = ("day", "dawn", "dusk", "night")
WEATHERS: tuple[str, ...] = ("clear", "rain", "snow")
# The time of day a background implies when the text names none.
BACKGROUND_TIME: dict[str, str] = {
    "plain": "day", "day_sky": "day", "night_sky": "night", "sunset": "dusk", "sea": "day",
    "grass": "day", "desert": "day", "snow": "day", "city": "day", "space": "night",
    **{name: "day" for name in SETTINGS},
}

# Mood labels with a representative (valence, arousal): valence in [-1, 1], arousal in [0, 1].
MOODS: dict[str, tuple[float, float]] = {
    "neutral": (0.0, 0.4),
    "happy": (0.7, 0.6),
    "excited": (0.6, 0.9),
    "calm": (0.4, 0.15),
    "sad": (-0.6, 0.2),
    "scary": (-0.7, 0.8),
}


def mood_label(valence: float, arousal: float) -> str:
    """The mood label nearest to a (valence, arousal) point."""
    return min(MOODS, key=lambda m: (MOODS[m][0] - valence) ** 2 + (MOODS[m][1] - arousal) ** 2)


# How a shot is entered from the previous one: "morph" is a crossfade with the VAE's latent
# interpolation laid over it (synthesis/morph.py).
TRANSITIONS: tuple[str, ...] = ("cut", "crossfade", "morph")

# The colour of a material subject whose colour is not named: it keeps its own colours.
NATURAL = "natural"
