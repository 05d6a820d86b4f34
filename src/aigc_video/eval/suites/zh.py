"""Chinese prompts: the same concepts as the English suites, written in Chinese."""
from . import Expect as E, SuitePrompt as P

PROMPTS = (
    P("z01", "一个红色的圆向右移动。", (E("circle", "red", "move", "right"),), None),
    P("z02", "一颗黄色的星星在夜空中旋转。", (E("star", "yellow", "spin"),), "night_sky"),
    P("z03", "一棵绿色的树在草地上慢慢变大。", (E("tree", "green", "grow"),), "grass"),
    P("z04", "一条橙色的鱼在大海里向左游。", (E("fish", "orange", "move", "left"),), "sea"),
    P("z05", "一辆红色的汽车在城市里向右开。", (E("car", "red", "move", "right"),), "city"),
    P("z06", "两个蓝色的方块在雪地上跳。", (E("square", "blue", "jump", count=2),), "snow"),
    P("z07", "一个白色的月亮静止在夜空中。", (E("moon", "white", "still"),), "night_sky"),
    P("z08", "一个紫色的三角形在太空中下落。", (E("triangle", "purple", "fall"),), "space"),
    P("z09", "一只棕色的狗在沙漠里向左跑。", (E("dog", "brown", "move", "left"),), "desert"),
    P("z10", "一个粉色的气球在日落时慢慢上升。", (E("balloon", "pink", "rise"),), "sunset"),
    P("z11", "一个大的绿色六边形在缩小。", (E("hexagon", "green", "shrink", size="large"),), None),
    P("z12", "一个红色的圆向左移动，一个蓝色的正方形向右移动。",
      (E("circle", "red", "move", "left"), E("square", "blue", "move", "right")), None),
)
