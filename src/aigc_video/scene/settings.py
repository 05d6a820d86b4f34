"""What every setting tells the planner and the renderer: where feet touch the ground, whether
it is indoors or water, which props stand in it (`SETTING_SPECS`), and how rooms are lit.

Data only (no skia): the understand stage reads the props' names from here. The settings beyond
the first ten backgrounds are drawn by `scene.rooms` and `scene.outdoors`.
"""
from __future__ import annotations

from dataclasses import dataclass

# Where the first ten backgrounds put the horizon (`backgrounds.HORIZON`); kept here so that this
# table needs no skia.
HORIZON = 0.56

@dataclass(frozen=True)
class PropSpec:
    """A piece of furniture or scenery, drawn from the icon library (fluent-emoji-flat names)."""
    icon: str                       # icon name, e.g. "couch-and-lamp"
    x: float                        # centre, fraction of the frame width
    width: float                    # fraction of the frame height (icons are square)
    seat: float | None = None       # fraction of the prop's height, from its top, where a subject
                                    # can sit or lie (sofa seat, bed, chair); None: nothing sits on it
    names: tuple[str, ...] = ()     # English words that refer to it ("sofa", "couch")
    names_zh: tuple[str, ...] = ()  # Chinese words ("沙发")
    bottom: float | None = None     # y fraction of its bottom edge; None: stands on the setting's `ground`


@dataclass(frozen=True)
class SettingSpec:
    ground: float                   # y fraction where standing subjects have their feet
    horizon: float                  # y fraction where the back wall meets the floor / land meets sky
    indoor: bool = False
    water: bool = False             # things float or swim here (sea, lake, pool, underwater)
    flying: bool = False            # subjects float anywhere in the frame (sky, space, underwater, plain)
    surface: float | None = None    # y fraction of the water surface, where boats float
    props: tuple[PropSpec, ...] = ()


# Rooms are lit at every hour: night only dims and warms them (the window still shows the dark).
INDOOR_LIGHT: dict[str, tuple[float, float, float]] = {
    "day": (1.0, 1.0, 1.0),
    "dawn": (0.95, 0.91, 0.9),
    "dusk": (0.92, 0.83, 0.76),
    "night": (0.62, 0.58, 0.6),
}


# ---- the table ------------------------------------------------------------------------------

P = PropSpec
_TREE = ("tree",)
_TREE_ZH = ("树", "大树")
SETTING_SPECS: dict[str, SettingSpec] = {
    # The first ten backgrounds: no props, so that they render as the training data and the
    # evaluation judge know them.
    "plain": SettingSpec(ground=0.8, horizon=0.8, flying=True),
    "day_sky": SettingSpec(ground=0.85, horizon=1.0, flying=True),
    "night_sky": SettingSpec(ground=0.85, horizon=1.0, flying=True),
    "sunset": SettingSpec(ground=0.86, horizon=0.74, flying=True),
    "sea": SettingSpec(ground=0.72, horizon=0.5, water=True, surface=0.62),
    "grass": SettingSpec(ground=0.8, horizon=HORIZON),
    "desert": SettingSpec(ground=0.8, horizon=HORIZON),
    "snow": SettingSpec(ground=0.8, horizon=HORIZON),
    "city": SettingSpec(ground=0.96, horizon=0.93),
    "space": SettingSpec(ground=0.85, horizon=1.0, flying=True),
    # Rooms.
    "living_room": SettingSpec(ground=0.82, horizon=0.66, indoor=True, props=(
        P("couch-and-lamp", 0.83, 0.44, seat=0.62, names=("sofa", "couch", "settee"), names_zh=("沙发",),
          bottom=0.76),
        P("potted-plant", 0.06, 0.2, names=("plant", "houseplant"), names_zh=("盆栽", "植物"), bottom=0.74),
        P("television", 0.2, 0.16, names=("tv", "television"), names_zh=("电视", "电视机"), bottom=0.70))),
    "kitchen": SettingSpec(ground=0.84, horizon=0.68, indoor=True, props=(
        P("pot-of-food", 0.14, 0.1, names=("pot", "stew"), names_zh=("锅",), bottom=0.48),
        P("teapot", 0.86, 0.09, names=("teapot", "kettle"), names_zh=("茶壶", "水壶"), bottom=0.48),
        P("potted-plant", 0.7, 0.08, names=("plant",), names_zh=("盆栽",), bottom=0.48))),
    "bedroom": SettingSpec(ground=0.84, horizon=0.66, indoor=True, props=(
        P("bed", 0.8, 0.5, seat=0.45, names=("bed",), names_zh=("床",), bottom=0.8),
        P("teddy-bear", 0.26, 0.13, names=("teddy bear", "teddy"), names_zh=("泰迪熊", "玩具熊"), bottom=0.8))),
    "classroom": SettingSpec(ground=0.84, horizon=0.66, indoor=True, props=(
        P("chair", 0.1, 0.22, seat=0.55, names=("chair", "seat"), names_zh=("椅子",), bottom=0.86),
        P("chair", 0.9, 0.22, seat=0.55, names=("chair", "seat"), names_zh=("椅子",), bottom=0.86),
        P("globe-showing-americas", 0.8, 0.1, names=("globe",), names_zh=("地球仪",), bottom=0.46))),
    "office": SettingSpec(ground=0.84, horizon=0.66, indoor=True, props=(
        P("desktop-computer", 0.13, 0.17, names=("computer", "monitor", "pc"), names_zh=("电脑", "计算机"),
          bottom=0.58),
        P("chair", 0.3, 0.2, seat=0.55, names=("chair", "office chair"), names_zh=("椅子",), bottom=0.86),
        P("potted-plant", 0.94, 0.2, names=("plant",), names_zh=("盆栽",), bottom=0.72))),
    "restaurant": SettingSpec(ground=0.84, horizon=0.66, indoor=True, props=(
        P("fork-and-knife-with-plate", 0.14, 0.1, names=("plate", "dish", "meal"), names_zh=("盘子", "饭菜"),
          bottom=0.55),
        P("hot-beverage", 0.86, 0.08, names=("coffee", "cup", "tea"), names_zh=("咖啡", "茶", "杯子"),
          bottom=0.55),
        P("chair", 0.04, 0.22, seat=0.55, names=("chair",), names_zh=("椅子",), bottom=0.86))),
    "library": SettingSpec(ground=0.84, horizon=0.68, indoor=True, props=(
        P("books", 0.36, 0.1, names=("books", "book"), names_zh=("书", "书本"), bottom=0.74),
        P("chair", 0.88, 0.22, seat=0.55, names=("chair",), names_zh=("椅子",), bottom=0.86),
        P("globe-showing-americas", 0.12, 0.12, names=("globe",), names_zh=("地球仪",), bottom=0.78))),
    "stage": SettingSpec(ground=0.8, horizon=0.7, indoor=True, props=(
        P("studio-microphone", 0.24, 0.16, names=("microphone", "mic"), names_zh=("麦克风", "话筒"), bottom=0.8),
        P("musical-keyboard", 0.8, 0.26, names=("piano", "keyboard"), names_zh=("钢琴", "电子琴"), bottom=0.8))),
    # Towns.
    "street": SettingSpec(ground=0.8, horizon=0.72, props=(
        P("postbox", 0.08, 0.14, names=("mailbox", "postbox"), names_zh=("邮筒", "信箱"), bottom=0.8),
        P("bus-stop", 0.9, 0.24, names=("bus stop",), names_zh=("公交站", "车站牌"), bottom=0.8))),
    "village": SettingSpec(ground=0.84, horizon=0.6, props=(
        P("house", 0.1, 0.34, names=("house", "cottage"), names_zh=("房子",), bottom=0.82),
        P("deciduous-tree", 0.92, 0.42, names=_TREE, names_zh=_TREE_ZH, bottom=0.84))),
    "road": SettingSpec(ground=0.86, horizon=0.55, props=(
        P("stop-sign", 0.08, 0.2, names=("stop sign", "sign"), names_zh=("路牌", "停车标志"), bottom=0.86),
        P("deciduous-tree", 0.93, 0.44, names=_TREE, names_zh=_TREE_ZH, bottom=0.8))),
    "airport": SettingSpec(ground=0.82, horizon=0.62, props=(
        P("airplane", 0.82, 0.4, names=("airplane", "plane", "jet"), names_zh=("飞机",), bottom=0.8),
        P("luggage", 0.1, 0.14, names=("luggage", "suitcase", "bag"), names_zh=("行李", "行李箱"), bottom=0.84))),
    "train_station": SettingSpec(ground=0.8, horizon=0.62, props=(
        P("luggage", 0.1, 0.13, names=("luggage", "suitcase"), names_zh=("行李", "行李箱"), bottom=0.8),
        P("potted-plant", 0.92, 0.18, names=("plant",), names_zh=("盆栽",), bottom=0.8))),
    "harbor": SettingSpec(ground=0.88, horizon=0.76, water=True, surface=0.66, props=(
        P("sailboat", 0.84, 0.26, names=("sailboat", "boat", "yacht"), names_zh=("帆船", "船"), bottom=0.68),
        P("anchor", 0.1, 0.12, names=("anchor",), names_zh=("锚",), bottom=0.9))),
    "stadium": SettingSpec(ground=0.84, horizon=0.6, props=(
        P("goal-net", 0.07, 0.26, names=("goal", "net"), names_zh=("球门",), bottom=0.76),
        P("goal-net", 0.93, 0.26, names=("goal", "net"), names_zh=("球门",), bottom=0.76))),
    "castle": SettingSpec(ground=0.82, horizon=0.62, props=(
        P("evergreen-tree", 0.06, 0.42, names=_TREE, names_zh=_TREE_ZH),
        P("evergreen-tree", 0.94, 0.42, names=_TREE, names_zh=_TREE_ZH))),
    # Nature.
    "park": SettingSpec(ground=0.82, horizon=0.58, props=(
        P("deciduous-tree", 0.08, 0.5, names=_TREE, names_zh=_TREE_ZH, bottom=0.78),
        P("deciduous-tree", 0.93, 0.44, names=_TREE, names_zh=_TREE_ZH, bottom=0.74),
        P("fountain", 0.78, 0.22, names=("fountain",), names_zh=("喷泉",), bottom=0.7))),
    "garden": SettingSpec(ground=0.84, horizon=0.6, props=(
        P("sunflower", 0.06, 0.22, names=("sunflower",), names_zh=("向日葵",), bottom=0.74),
        P("tulip", 0.9, 0.14, names=("tulip",), names_zh=("郁金香",), bottom=0.72),
        P("potted-plant", 0.3, 0.12, names=("plant", "pot"), names_zh=("盆栽",), bottom=0.8))),
    "playground": SettingSpec(ground=0.84, horizon=0.6, props=(
        P("playground-slide", 0.82, 0.36, seat=0.2, names=("slide",), names_zh=("滑梯",), bottom=0.76),
        P("soccer-ball", 0.34, 0.06, names=("ball",), names_zh=("足球",), bottom=0.9))),
    "beach": SettingSpec(ground=0.82, horizon=0.6, water=True, surface=0.52, props=(
        P("palm-tree", 0.08, 0.56, names=("palm tree", "palm"), names_zh=("椰子树", "棕榈树"), bottom=0.8),
        P("umbrella-on-ground", 0.88, 0.3, names=("umbrella", "parasol"), names_zh=("遮阳伞", "伞"), bottom=0.8),
        P("spiral-shell", 0.3, 0.06, names=("shell", "seashell"), names_zh=("贝壳",), bottom=0.92))),
    "lake": SettingSpec(ground=0.86, horizon=0.76, water=True, surface=0.6, props=(
        P("evergreen-tree", 0.06, 0.42, names=_TREE, names_zh=_TREE_ZH, bottom=0.82),
        P("canoe", 0.8, 0.2, names=("canoe", "boat"), names_zh=("独木舟", "小船"), bottom=0.7))),
    "river": SettingSpec(ground=0.86, horizon=0.56, water=True, surface=0.8, props=(
        P("deciduous-tree", 0.07, 0.44, names=_TREE, names_zh=_TREE_ZH, bottom=0.8),
        P("rock", 0.92, 0.14, names=("rock", "stone"), names_zh=("石头", "岩石"), bottom=0.9))),
    "mountains": SettingSpec(ground=0.84, horizon=0.6, props=(
        P("evergreen-tree", 0.07, 0.4, names=("pine", "tree"), names_zh=("松树", "树"), bottom=0.8),
        P("tent", 0.86, 0.22, names=("tent",), names_zh=("帐篷",), bottom=0.8))),
    "forest": SettingSpec(ground=0.84, horizon=0.66, props=(
        P("evergreen-tree", 0.25, 0.34, names=("pine", "fir"), names_zh=("松树",), bottom=0.76),
        P("mushroom", 0.76, 0.08, names=("mushroom",), names_zh=("蘑菇",), bottom=0.86),
        P("deciduous-tree", 0.72, 0.3, names=_TREE, names_zh=_TREE_ZH, bottom=0.7))),
    "bamboo_forest": SettingSpec(ground=0.84, horizon=0.7, props=(
        P("rock", 0.1, 0.16, names=("rock", "stone"), names_zh=("石头",), bottom=0.86),
        P("herb", 0.88, 0.1, names=("plant", "grass"), names_zh=("草",), bottom=0.86))),
    "jungle": SettingSpec(ground=0.84, horizon=0.7, props=(
        P("palm-tree", 0.12, 0.5, names=("palm tree", "palm"), names_zh=("棕榈树",), bottom=0.78),
        P("hibiscus", 0.86, 0.1, names=("flower",), names_zh=("花",), bottom=0.8))),
    "farm": SettingSpec(ground=0.84, horizon=0.58, props=(
        P("tractor", 0.14, 0.26, names=("tractor",), names_zh=("拖拉机",), bottom=0.84),
        P("sheaf-of-rice", 0.9, 0.14, names=("hay", "sheaf", "crop"), names_zh=("稻草", "麦捆"), bottom=0.86))),
    "wheat_field": SettingSpec(ground=0.86, horizon=0.58, props=(
        P("sheaf-of-rice", 0.08, 0.2, names=("wheat", "sheaf"), names_zh=("麦子", "麦穗"), bottom=0.86),
        P("sheaf-of-rice", 0.92, 0.16, names=("wheat", "sheaf"), names_zh=("麦子", "麦穗"), bottom=0.8))),
    "underwater": SettingSpec(ground=0.88, horizon=0.82, water=True, flying=True, props=(
        P("coral", 0.1, 0.24, names=("coral",), names_zh=("珊瑚",), bottom=0.92),
        P("spiral-shell", 0.86, 0.08, names=("shell", "seashell"), names_zh=("贝壳",), bottom=0.94))),
    "swimming_pool": SettingSpec(ground=0.64, horizon=0.56, water=True, surface=0.7, props=(
        P("ring-buoy", 0.08, 0.12, names=("ring buoy", "life buoy", "float"), names_zh=("救生圈",), bottom=0.66),
        P("umbrella-on-ground", 0.92, 0.3, names=("umbrella", "parasol"), names_zh=("遮阳伞",), bottom=0.66))),
    "cave": SettingSpec(ground=0.84, horizon=0.7, props=(
        P("gem-stone", 0.88, 0.08, names=("gem", "crystal"), names_zh=("宝石", "水晶"), bottom=0.86),
        P("rock", 0.2, 0.16, names=("rock", "stone"), names_zh=("石头", "岩石"), bottom=0.88))),
}
del P


def prop_named(word: str, background: str | None) -> str | None:
    """The English name (its first) of the prop of `background` that `word` refers to ("couch"
    -> "sofa" in a living room; "沙发" too), or None. With no background, any setting's prop."""
    word = word.strip().lower()
    settings = [background] if background is not None else list(SETTING_SPECS)
    for name in settings:
        spec = SETTING_SPECS.get(name)
        for prop in spec.props if spec else ():
            if prop.names and (word in prop.names or word in prop.names_zh):
                return prop.names[0]
    return None


def setting_with_prop(name: str) -> str | None:
    """The first setting (in SETTING_SPECS order) with a prop called `name` ("sofa" -> "living_room")."""
    name = name.strip().lower()
    return next((s for s, spec in SETTING_SPECS.items()
                 if any(name in p.names or name in p.names_zh for p in spec.props)), None)
