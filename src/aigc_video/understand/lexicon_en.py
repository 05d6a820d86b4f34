"""English words and phrases mapped onto the closed vocabulary (`aigc_video.vocab`).

Keys are lower-case base forms ("circle around", not "circles around"): the tokenizer tries
simple inflections (-s, -es, -ies, -ing, -ed) before giving up on a word. Every value is a
(category, value) pair; the categories are the slots of a Shot plus the grammar's own words.
"""
from __future__ import annotations

from .lexicon_tables import entries, merge
from .manners import MANNER_MOTIONS_EN

COLOR_WORDS: dict[str, tuple[str, ...]] = {
    "red": ("red", "crimson", "scarlet", "ruby", "cherry", "vermilion", "vermillion", "maroon", "cardinal",
            "burgundy", "wine red"),
    "orange": ("orange", "amber", "tangerine", "apricot", "coral", "peach", "rust", "ochre"),
    "yellow": ("yellow", "golden", "gold", "lemon", "mustard", "blond", "blonde", "canary"),
    "green": ("green", "emerald", "lime", "olive", "jade", "mint", "verdant", "sage",
              "chartreuse"),
    "blue": ("blue", "azure", "navy", "cobalt", "sapphire", "cyan", "teal", "turquoise", "aqua",
             "cerulean", "periwinkle", "ultramarine", "sky blue", "royal blue", "baby blue"),
    "purple": ("purple", "violet", "lavender", "lilac", "indigo", "plum", "mauve", "amethyst"),
    "pink": ("pink", "magenta", "fuchsia", "rosy", "salmon", "cerise"),
    "white": ("white", "ivory", "cream", "pearl", "snow white"),
    "black": ("black", "ebony", "onyx", "jet black", "pitch black", "charcoal"),
    "brown": ("brown", "tan", "beige", "chocolate", "bronze", "copper", "chestnut", "khaki", "umber",
              "sepia"),
    "gray": ("gray", "grey", "silver", "ash", "slate", "silvery", "greyish", "grayish"),
}

OBJECT_WORDS: dict[str, tuple[str, ...]] = {
    "circle": ("circle", "ball", "sphere", "orb", "dot", "disc", "disk", "bubble"),
    "square": ("square", "box", "cube", "block", "rectangle", "tile", "crate"),
    "triangle": ("triangle", "pyramid", "wedge"),
    "star": ("star", "starlet"),
    "heart": ("heart",),
    "hexagon": ("hexagon", "honeycomb"),
    "diamond": ("diamond", "gem", "jewel", "rhombus", "crystal"),
    "sun": ("sun",),
    "moon": ("moon", "crescent", "full moon"),
    "cloud": ("cloud",),
    "tree": ("tree", "oak", "pine", "palm tree", "maple", "birch", "willow"),
    "house": ("house", "home", "cottage", "cabin", "hut", "building"),
    "car": ("car", "automobile", "vehicle", "auto", "truck", "taxi", "cab", "van", "jeep",
            "sedan", "racecar", "race car"),
    "bird": ("bird", "sparrow", "eagle", "pigeon", "dove", "parrot", "seagull", "gull", "crow",
             "owl", "robin", "swallow", "hawk"),
    "fish": ("fish", "goldfish", "trout", "carp", "minnow", "fishy"),
    "boat": ("boat", "ship", "sailboat", "yacht", "canoe", "vessel", "ferry", "raft"),
    "flower": ("flower", "rose", "tulip", "daisy", "blossom", "lily", "sunflower", "bloom"),
    "dog": ("dog", "puppy", "doggy", "doggie", "pup", "hound", "poodle", "terrier", "pooch"),
    "balloon": ("balloon", "hot air balloon"),
}

SIZE_WORDS: dict[str, tuple[str, ...]] = {
    "small": ("small", "little", "tiny", "mini", "miniature", "petite", "wee", "smaller",
              "teeny", "itty bitty", "minuscule"),
    "medium": ("medium", "mid-sized", "medium-sized", "average-sized"),
    "large": ("large", "big", "huge", "giant", "enormous", "massive", "gigantic", "immense",
              "bigger", "larger", "colossal", "vast", "jumbo"),
}

MOTION_WORDS: dict[str, tuple[str, ...]] = {
    "move": ("move", "go", "travel", "slide", "glide", "roll", "run", "walk", "drive", "fly",
             "swim", "sail", "drift", "float", "wander", "race", "rush", "dash", "sprint",
             "zoom", "crawl", "creep", "march", "head", "stroll", "amble", "chase", "follow",
             "cross", "scurry", "hurry", "speed", "trot", "gallop", "wade", "scoot", "shift",
             "hover across", "make its way", "move across"),
    "bounce": ("bounce", "bouncing", "bob", "dribble", "rebound"),
    "jump": ("jump", "hop", "leap", "spring up", "skip", "vault"),
    "spin": ("spin", "whirl", "twirl", "rotate", "turn around", "swirl", "pirouette",
             "revolve in place", "spin around", "twist"),
    "grow": ("grow", "expand", "enlarge", "swell", "inflate", "get bigger", "become bigger",
             "grow bigger", "get larger", "become larger", "grow larger", "scale up"),
    "shrink": ("shrink", "contract", "dwindle", "deflate", "get smaller", "become smaller",
               "grow smaller", "scale down"),
    "zigzag": ("zigzag", "zig-zag", "zig zag", "weave", "swerve", "meander", "snake"),
    "orbit": ("orbit", "circle around", "revolve", "loop around", "go around", "go round",
              "circle round", "revolve around"),
    "fall": ("fall", "drop", "sink", "descend", "set", "tumble", "plunge", "plummet", "fall down",
             "come down", "topple"),
    "rise": ("rise", "soar", "ascend", "climb", "lift off", "take off", "float up",
             "rise up", "go up", "come up"),
    "fade_in": ("appear", "emerge", "materialize", "materialise", "fade in", "show up",
                "pop up", "pop in", "arrive", "come into view", "reappear"),
    "fade_out": ("vanish", "disappear", "fade", "fade out", "fade away", "dissolve",
                 "evaporate", "melt away", "go away"),
    "still": ("stay", "sit", "rest", "stand", "wait", "remain", "still", "motionless",
              "hover", "stay still", "stand still", "sit still", "lie", "idle"),
}
# Verbs that carry a speed of their own; an explicit adverb still wins ("sprints slowly").
IMPLIED_SPEED: dict[str, str] = {
    "race": "fast", "rush": "fast", "dash": "fast", "sprint": "fast", "zoom": "fast",
    "scurry": "fast", "hurry": "fast", "speed": "fast", "gallop": "fast", "plunge": "fast",
    "plummet": "fast", "whirl": "fast",
    "crawl": "slow", "creep": "slow", "drift": "slow", "stroll": "slow", "amble": "slow",
    "wander": "slow", "float": "slow", "meander": "slow",
}

DIRECTION_WORDS: dict[str, tuple[str, ...]] = {
    "left": ("left", "leftward", "leftwards", "to the left", "westward", "west",
             "from right to left", "toward the left", "towards the left"),
    "right": ("right", "rightward", "rightwards", "to the right", "eastward", "east",
              "from left to right", "toward the right", "towards the right"),
    "up": ("up", "upward", "upwards", "skyward", "skywards", "upstairs", "from bottom to top",
           "north", "northward", "heavenward"),
    "down": ("down", "downward", "downwards", "from top to bottom", "south", "southward",
             "earthward"),
    "up_left": ("up left", "upper left", "top left", "up and left", "up and to the left",
                "northwest"),
    "up_right": ("up right", "upper right", "top right", "up and right", "up and to the right",
                 "northeast"),
    "down_left": ("down left", "lower left", "bottom left", "down and left",
                  "down and to the left", "southwest"),
    "down_right": ("down right", "lower right", "bottom right", "down and right",
                   "down and to the right", "southeast"),
}

SPEED_WORDS: dict[str, tuple[str, ...]] = {
    "slow": ("slowly", "slow", "gently", "leisurely", "lazily", "gradually", "unhurriedly",
             "sluggishly", "softly", "steadily", "at a slow pace"),
    "fast": ("quickly", "fast", "quick", "rapidly", "swiftly", "speedily", "briskly", "hastily",
             "rapid", "swift", "at high speed", "at full speed", "in a hurry", "furiously",
             "wildly", "suddenly", "speedy"),
}

# "sky" (the pseudo-background SKY) is a day sky, a night sky or a sunset by the time of day.
SKY = "sky"
SKY_WORDS = ("sky", "air", "heavens", "midair", "skies")
BACKGROUND_WORDS: dict[str, tuple[str, ...]] = {
    "plain": ("plain scene", "plain background", "blank background", "empty background",
              "white background"),
    "day_sky": ("day sky", "blue sky", "clear sky", "daylight sky", "daytime sky", "sunny sky"),
    "night_sky": ("night sky", "starry sky", "starry night", "starry", "starlit", "starlight",
                  "moonlit"),
    "sunset": ("sunset", "sundown", "sunrise", "twilight", "afterglow"),
    "sea": ("sea", "ocean", "seaside", "wave", "water", "bay", "open sea", "high seas"),
    "grass": ("grass", "meadow", "field", "lawn", "grassland", "prairie", "pasture", "countryside",
              "hill", "hillside", "green field", "grassy field"),
    "desert": ("desert", "sand", "dune", "sahara", "wasteland"),
    "snow": ("snowfield", "snowy", "winter", "tundra", "glacier", "ice", "icy", "arctic",
             "snowy field", "snow field", "snow scene", "snowy scene", "snow background",
             "snowy landscape", "snow covered", "snowland", "ski slope", "ski resort", "north pole",
             "south pole", "antarctica", "antarctic", "ice field"),
    "city": ("city", "town", "downtown", "skyline", "urban", "metropolis", "cityscape"),
    "space": ("space", "outer space", "galaxy", "universe", "cosmos", "deep space"),
    # The settings of `scene.settings`.
    "living_room": ("living room", "livingroom", "lounge", "sitting room", "family room", "room",
                    "indoors", "apartment", "home interior"),
    "kitchen": ("kitchen",),
    "bedroom": ("bedroom", "dorm room", "dormitory", "nursery", "bed room"),  # "on the bed": a prop
    "classroom": ("classroom", "class room", "school", "schoolroom", "lecture hall", "lecture room",
                  "kindergarten"),
    "office": ("office", "workplace", "cubicle", "office room", "workspace"),
    "restaurant": ("restaurant", "cafe", "café", "diner", "cafeteria", "canteen", "bistro",
                   "coffee shop", "dining room", "pizzeria"),
    "library": ("library", "bookstore", "bookshop", "reading room"),
    "stage": ("stage", "theater", "theatre", "concert", "concert hall", "auditorium",
              "opera house"),
    "street": ("street", "avenue", "sidewalk", "alley", "alleyway", "boulevard", "main street",
               "crosswalk"),
    "village": ("village", "hamlet", "small town"),
    "road": ("road", "highway", "motorway", "freeway", "expressway", "country road"),
    "airport": ("airport", "runway", "airfield"),
    "train_station": ("train station", "railway station", "station", "platform", "subway station",
                      "metro station", "railway", "railroad"),
    "harbor": ("harbor", "harbour", "port", "dock", "pier", "wharf", "marina", "quay"),
    "stadium": ("stadium", "arena", "sports field", "football field", "soccer field",
                "football pitch", "soccer pitch", "running track"),
    "castle": ("castle", "palace", "fortress", "kingdom"),
    "park": ("park", "city park", "public park"),
    "garden": ("garden", "backyard", "yard", "flower garden", "flower bed", "courtyard"),
    "playground": ("playground", "schoolyard", "school yard", "play area", "sandbox"),
    "beach": ("beach", "shore", "seashore", "coast", "island", "sandy beach",
              "beach side"),
    "lake": ("lake", "pond", "lakeside", "lakeshore"),
    "river": ("river", "creek", "riverside", "riverbank", "brook", "canal"),
    "mountains": ("mountain", "mountains", "mountain range", "peak", "summit", "cliff", "alps",
                  "valley", "mountainside"),
    "forest": ("forest", "wood", "woods", "woodland", "grove"),
    "bamboo_forest": ("bamboo forest", "bamboo grove", "bamboo wood", "bamboo woods"),
    "jungle": ("jungle", "rainforest", "rain forest", "tropical forest"),
    "farm": ("farm", "farmyard", "barnyard", "ranch", "barn", "orchard"),
    "wheat_field": ("wheat field", "wheatfield", "wheat", "cornfield", "corn field", "rice field",
                    "paddy", "crop field", "farmland"),
    "underwater": ("underwater", "under water", "under the sea", "under the ocean", "seabed",
                   "sea floor", "ocean floor", "seafloor", "coral reef", "reef", "bottom of the sea"),
    "swimming_pool": ("swimming pool", "pool", "poolside"),
    "cave": ("cave", "cavern", "grotto"),
}

TIME_WORDS: dict[str, tuple[str, ...]] = {
    "day": ("day", "daytime", "morning", "noon", "afternoon", "midday", "daylight", "sunny"),
    "dawn": ("dawn", "daybreak", "sunrise", "first light", "early morning"),
    "dusk": ("dusk", "evening", "twilight", "sunset", "nightfall", "sundown"),
    "night": ("night", "midnight", "nighttime", "at night", "tonight", "dark night", "overnight"),
}

WEATHER_WORDS: dict[str, tuple[str, ...]] = {
    "clear": ("clear", "sunny", "fine weather", "cloudless"),
    "rain": ("rain", "rainy", "raining", "drizzle", "shower", "storm", "stormy", "downpour",
             "rainstorm", "thunderstorm", "raindrop", "pour"),
    "snow": ("snow", "snowing", "snowfall", "snowflake", "blizzard", "snowstorm", "flurry"),
}

MOOD_WORDS: dict[str, tuple[str, ...]] = {
    "happy": ("happy", "happily", "joyful", "joyfully", "cheerful", "cheerfully", "glad",
              "merry", "merrily", "delighted", "playful", "playfully", "jolly", "fun", "sunny mood"),
    "excited": ("excited", "excitedly", "thrilling", "thrilled", "exciting", "energetic",
                "energetically", "ecstatic", "wild", "frantic", "frantically", "celebrate"),
    "calm": ("calm", "calmly", "peaceful", "peacefully", "serene", "serenely", "tranquil",
             "quiet", "quietly", "relaxed", "relaxing", "soothing", "gentle", "still night"),
    "sad": ("sad", "sadly", "sorrowful", "unhappy", "gloomy", "lonely", "melancholy",
            "mournful", "mournfully", "depressed", "tearful", "crying", "cry", "weep"),
    "scary": ("scary", "spooky", "creepy", "terrifying", "frightening", "horror", "haunted",
              "eerie", "sinister", "menacing", "ominous", "scared", "afraid", "fearful",
              "terrified", "dreadful", "monstrous"),
}

PRONOUNS_ONE = ("it", "he", "she", "its", "him", "her", "itself")
PRONOUNS_ALL = ("they", "them", "both", "all of them", "each of them", "their", "both of them")
# Words that open a noun phrase; the numbers also give its count.
DETERMINERS = ("a", "an", "the", "this", "that", "these", "those", "my", "your", "our",
               "another", "each", "every", "some", "any", "no")
NUMBER_WORDS: dict[str, int] = {
    "one": 1, "single": 1, "lone": 1, "two": 2, "pair of": 2, "a pair of": 2, "couple of": 2,
    "a couple of": 2, "twin": 2, "three": 3, "trio of": 3, "a few": 3, "few": 3, "several": 3,
    "many": 3, "lots of": 3, "a lot of": 3, "a group of": 3, "a bunch of": 3, "a flock of": 3,
    "a school of": 3, "a fleet of": 3, "numerous": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "dozen": 12, "a dozen": 12, "hundred": 100,
    "a hundred": 100,
}
# Numbers that were named as such; over the limit they are clamped with a warning. The vague
# quantities above ("many", "a flock of") mean "as many as a shot shows" and are clamped quietly.
EXACT_NUMBERS = frozenset({"one", "two", "three", "four", "five", "six", "seven", "eight",
                           "nine", "ten", "dozen", "a dozen", "hundred", "a hundred"})
CONNECTIVES = ("then", "and then", "next", "after that", "afterwards", "afterward", "later",
               "finally", "now", "meanwhile", "soon", "eventually", "again", "and now")
CONJUNCTIONS = ("and", "but", "while", "as", "or", "so", "with", "plus", "whereas", "where",
                "which", "who", "that")
# After these, a noun names where things happen (a background), not what is seen.
LOCATIVES = ("in", "on", "at", "over", "under", "above", "below", "across", "through",
             "into", "onto", "inside", "near", "by", "beside", "along", "beneath", "within",
             "around", "toward", "towards", "past", "behind", "from", "to", "of", "underneath",
             "out of", "in front of", "on top of")
NEGATIONS = ("not", "no", "never", "isn't", "aren't", "don't", "doesn't", "without", "nor")
# Nouns that open a noun phrase but name nothing visible; not worth a warning.
ABSTRACT_NOUNS = frozenset({
    "time", "moment", "way", "lot", "bit", "end", "while", "kind", "sort", "thing", "things",
    "scene", "video", "story", "picture", "image", "shot", "frame", "screen", "view", "place",
    "second", "seconds", "minute", "minutes", "hour", "moment", "start", "beginning", "middle",
    "center", "centre", "side", "top", "bottom", "edge", "corner", "same", "other", "rest",
    "distance", "background", "foreground", "camera", "speed", "pace", "color", "colour",
    "size", "shape", "direction", "path", "circle", "line", "world", "once", "upon", "time",
    "first", "last", "next", "whole", "entire", "mood", "feeling", "light", "darkness",
})
# Shade words refine a colour ("dark blue") but name none: known, so never embedded as colours.
SHADES = ("dark", "light", "bright", "pale", "deep", "shiny", "glowing", "vivid", "pastel",
          "neon", "colorful", "colourful", "sparkling", "shimmering")
# Words that end a noun phrase without naming a thing ("what a wonderful, ..."): never sent to
# the embedding as nouns. Suffixes of the same kind are checked by the grammar.
NOT_NOUNS = frozenset({
    "good", "nice", "great", "lovely", "new", "old", "bad", "cool", "long", "short", "tall",
    "strange", "funny", "cute", "pretty", "fine", "real", "true", "few", "little", "lot", "very",
    "so", "too", "really", "just", "also", "only", "even", "again", "here", "there", "now",
    "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "does", "do", "did",
    "will", "would", "can", "could", "should", "may", "might", "must", "same", "other",
    "everything", "something", "nothing", "anything", "everyone", "someone", "nobody", "all",
})
NOT_NOUN_SUFFIXES = ("ful", "ous", "ive", "able", "ible", "ic", "ish", "less", "ly", "est")
# Everyday nouns with those endings (materials' own names are asked of the library instead).
SUFFIX_NOUNS = frozenset({"table", "vegetable", "cable", "stable", "nest", "chest", "olive",
                          "picnic", "comic", "fabric", "relish", "dish", "bully"})
# "circles" after a subject is the verb "to circle" (orbit), after a determiner the shape.
VERB_READINGS: dict[str, str] = {"circle": "orbit"}


def build() -> dict[str, list[tuple[str, object]]]:
    """Every phrase -> its (category, value) tags, in table order.

    The first tag is the word's grammatical role; a word whose first tag is a setting also
    carries its other setting tags ("sunrise" is a sunset-coloured sky and the time dawn).
    """
    tables: list[dict[str, tuple[str, object]]] = [
        {w: ("connective", None) for w in CONNECTIVES},
        {w: ("number", n) for w, n in NUMBER_WORDS.items()},
        entries("direction", DIRECTION_WORDS),
        entries("object", OBJECT_WORDS),
        entries("color", COLOR_WORDS),
        entries("size", SIZE_WORDS),
        entries("background", BACKGROUND_WORDS),
        {w: ("background", SKY) for w in SKY_WORDS},
        entries("time", TIME_WORDS),
        entries("weather", WEATHER_WORDS),
        entries("motion", MOTION_WORDS),
        entries("motion", MANNER_MOTIONS_EN),  # verbs that came with manners
        entries("speed", SPEED_WORDS),
        entries("mood", MOOD_WORDS),
        {w: ("pronoun", "one") for w in PRONOUNS_ONE},
        {w: ("pronoun", "all") for w in PRONOUNS_ALL},
        {w: ("det", None) for w in DETERMINERS},
        {w: ("negation", None) for w in NEGATIONS},
        {w: ("conjunction", None) for w in CONJUNCTIONS},
        {w: ("locative", None) for w in LOCATIVES},
        {w: ("shade", None) for w in SHADES},
    ]
    return merge(tables)


LEXICON = build()
MAX_PHRASE_WORDS = max(len(k.split()) for k in LEXICON)
