"""Chinese words mapped onto the closed vocabulary, in the same (category, value) form as
`lexicon_en`. These words are also loaded into jieba's dictionary so they segment as units;
a segment jieba glues together ("红球", "向左移动") is split back into these words.
"""
from __future__ import annotations

from .lexicon_tables import entries, merge
from .manners import MANNER_MOTIONS_ZH

COLOR_WORDS: dict[str, tuple[str, ...]] = {
    "red": ("红", "红色", "红红的", "大红", "深红", "鲜红", "朱红", "绯红"),
    "orange": ("橙", "橙色", "橘色", "橘黄", "橘红"),
    "yellow": ("黄", "黄色", "金色", "金黄", "金黄色", "金灿灿"),
    "green": ("绿", "绿色", "翠绿", "碧绿", "绿油油"),
    "blue": ("蓝", "蓝色", "天蓝", "天蓝色", "湛蓝", "深蓝", "浅蓝", "青色", "蔚蓝"),
    "purple": ("紫", "紫色", "紫罗兰色", "淡紫"),
    "pink": ("粉", "粉色", "粉红", "粉红色", "粉嫩"),
    "white": ("白", "白色", "雪白", "洁白", "白白的"),
    "black": ("黑", "黑色", "漆黑", "乌黑", "黑黑的"),
    "brown": ("棕", "棕色", "褐色", "咖啡色", "棕褐色"),
    "gray": ("灰", "灰色", "银色", "灰白"),
}

OBJECT_WORDS: dict[str, tuple[str, ...]] = {
    "circle": ("球", "圆", "圆形", "圆圈", "小球", "皮球", "圆球", "球体", "圆点", "泡泡", "气泡"),
    "square": ("正方形", "方块", "方形", "方框", "立方体", "盒子", "箱子", "积木"),
    "triangle": ("三角形", "三角", "金字塔"),
    "star": ("星星", "星", "五角星", "星形", "小星星"),
    "heart": ("心", "心形", "爱心", "桃心"),
    "hexagon": ("六边形", "六角形", "蜂窝"),
    "diamond": ("菱形", "钻石", "宝石", "水晶"),
    "sun": ("太阳", "日头", "红日"),
    "moon": ("月亮", "明月", "月牙", "弯月", "满月"),
    "cloud": ("云", "云朵", "白云", "云彩", "乌云"),
    "tree": ("树", "树木", "大树", "小树", "松树", "树苗"),
    "house": ("房子", "房屋", "小屋", "屋子", "房", "木屋", "楼房"),
    "car": ("汽车", "车", "小汽车", "轿车", "车子", "卡车", "出租车", "跑车", "小车"),
    "bird": ("鸟", "小鸟", "鸟儿", "飞鸟", "麻雀", "鸽子", "老鹰", "燕子", "鹦鹉", "海鸥"),
    "fish": ("鱼", "小鱼", "鱼儿", "金鱼", "鲤鱼"),
    "boat": ("船", "小船", "帆船", "轮船", "舟", "船只", "游艇"),
    "flower": ("花", "花朵", "鲜花", "小花", "玫瑰", "花儿", "郁金香", "向日葵"),
    "dog": ("狗", "小狗", "狗狗", "小狗狗", "狗儿", "犬", "小犬", "宠物狗"),
    "balloon": ("气球", "热气球", "彩色气球"),
}

SIZE_WORDS: dict[str, tuple[str, ...]] = {
    "small": ("小", "小小", "小小的", "微小", "迷你", "细小", "很小", "一点点"),
    "medium": ("中等", "中号", "不大不小"),
    "large": ("大", "巨大", "大大", "大大的", "庞大", "超大", "很大", "硕大", "巨型"),
}

MOTION_WORDS: dict[str, tuple[str, ...]] = {
    "move": ("移动", "移", "走", "跑", "飞", "游", "滑", "滑动", "前进", "开", "行驶", "漂",
             "飘", "飘动", "奔跑", "飞行", "游动", "游泳", "航行", "漂浮", "穿过", "经过",
             "行走", "爬", "飞过", "跑过", "追", "追赶", "滚", "滚动", "冲"),
    "bounce": ("弹跳", "弹", "反弹", "蹦蹦跳跳", "弹起", "弹来弹去"),
    "jump": ("跳", "跳跃", "跳起", "跳起来", "蹦", "跳动", "蹦跳"),
    "spin": ("旋转", "转", "转圈", "打转", "自转", "转动", "旋转着", "转圈圈"),
    "grow": ("变大", "长大", "放大", "膨胀", "变得更大", "越来越大", "胀大"),
    "shrink": ("变小", "缩小", "收缩", "变得更小", "越来越小"),
    "zigzag": ("之字形", "曲折", "蛇形", "蜿蜒", "左右摇摆", "曲折前进"),
    "orbit": ("绕圈", "环绕", "绕", "围绕", "盘旋", "绕着", "围着", "公转"),
    "fall": ("落下", "掉", "掉落", "下落", "坠落", "落", "掉下", "掉下来", "下沉", "沉", "坠"),
    "rise": ("升起", "上升", "升", "飞起", "升空", "飘起", "冉冉升起", "腾空", "飞上"),
    "fade_in": ("出现", "浮现", "淡入", "显现", "冒出", "冒出来", "现身", "登场"),
    "fade_out": ("消失", "不见", "淡出", "隐去", "消散", "消逝", "不见了"),
    "still": ("静止", "不动", "停", "停下", "停留", "待着", "一动不动", "静静", "静静地"),
}
IMPLIED_SPEED: dict[str, str] = {"冲": "fast", "奔跑": "fast", "飘": "slow", "漂": "slow",
                                 "漂浮": "slow", "爬": "slow"}

DIRECTION_WORDS: dict[str, tuple[str, ...]] = {
    "left": ("向左", "往左", "朝左", "左", "左边", "向左边", "往左边", "左侧", "从右到左",
             "从右向左", "从右往左"),
    "right": ("向右", "往右", "朝右", "右", "右边", "向右边", "往右边", "右侧", "从左到右",
              "从左向右", "从左往右"),
    "up": ("向上", "往上", "朝上", "上方", "向上方", "从下到上", "往高处"),
    "down": ("向下", "往下", "朝下", "下方", "向下方", "从上到下"),
    "up_left": ("左上", "左上方", "向左上", "往左上", "左上角"),
    "up_right": ("右上", "右上方", "向右上", "往右上", "右上角"),
    "down_left": ("左下", "左下方", "向左下", "往左下", "左下角"),
    "down_right": ("右下", "右下方", "向右下", "往右下", "右下角"),
}

SPEED_WORDS: dict[str, tuple[str, ...]] = {
    "slow": ("慢", "慢慢", "慢慢地", "缓缓", "缓缓地", "缓慢", "缓慢地", "慢悠悠", "徐徐",
             "轻轻", "轻轻地", "悠闲地", "悠悠"),
    "fast": ("快", "快速", "快速地", "飞快", "飞快地", "迅速", "迅速地", "很快", "快快",
             "急速", "飞速", "高速", "猛地", "突然"),
}

BACKGROUND_WORDS: dict[str, tuple[str, ...]] = {
    "sky": ("天空", "空中", "天上", "高空", "半空"),
    "day_sky": ("蓝天", "晴空", "白天的天空"),
    "night_sky": ("夜空", "星空", "星夜", "满天星", "繁星", "月夜"),
    "sunset": ("日落", "夕阳", "黄昏", "晚霞", "日出", "朝霞", "落日"),
    "sea": ("海边", "大海", "海", "海上", "海洋", "海面", "海里", "水面", "水里"),
    "grass": ("草地", "草原", "草坪", "田野", "草丛", "山坡"),
    "desert": ("沙漠", "荒漠", "沙丘"),
    "snow": ("雪地", "雪山", "雪原", "冰天雪地", "冬天", "冰面", "滑雪场", "冰川", "南极", "北极"),
    "city": ("城市", "城里", "市区", "城镇", "都市", "小镇"),
    "space": ("太空", "宇宙", "外太空", "星际", "银河"),
    # The settings of `scene.settings`.
    "living_room": ("客厅", "起居室", "家里", "屋里", "房间", "室内", "屋内"),
    "kitchen": ("厨房",),
    "bedroom": ("卧室", "睡房", "寝室", "床上"),
    "classroom": ("教室", "课堂", "学校", "幼儿园"),
    "office": ("办公室", "公司", "写字楼"),
    "restaurant": ("餐厅", "饭店", "餐馆", "饭馆", "咖啡馆", "咖啡厅", "食堂"),
    "library": ("图书馆", "书店", "书房", "阅览室"),
    "stage": ("舞台", "剧院", "剧场", "音乐会", "礼堂"),
    "street": ("街道", "街上", "马路", "大街", "街头", "人行道", "小巷", "巷子"),
    "village": ("村庄", "村子", "乡村", "村里", "小村庄", "山村"),
    "road": ("公路", "高速公路", "道路", "路上", "大路"),
    "airport": ("机场", "跑道"),
    "train_station": ("火车站", "车站", "站台", "地铁站", "高铁站"),
    "harbor": ("港口", "码头", "海港", "港湾"),
    "stadium": ("体育场", "运动场", "足球场", "球场", "体育馆"),
    "castle": ("城堡", "宫殿", "王宫"),
    "park": ("公园",),
    "garden": ("花园", "后院", "院子", "庭院"),
    "playground": ("游乐场", "操场", "游乐园", "校园"),
    "beach": ("海滩", "沙滩", "海岸", "岛上", "小岛"),
    "lake": ("湖", "湖面", "湖边", "湖泊", "池塘", "湖畔"),
    "river": ("河", "河边", "小河", "河流", "江", "江边", "溪流", "小溪", "河面"),
    "mountains": ("山", "山上", "高山", "大山", "山顶", "山脉", "山峰", "山谷", "山里"),
    "forest": ("森林", "树林", "林子", "林中"),
    "bamboo_forest": ("竹林", "竹海"),
    "jungle": ("丛林", "热带雨林", "雨林"),
    "farm": ("农场", "农村", "牧场", "农家", "果园"),
    "wheat_field": ("麦田", "稻田", "田地", "农田"),
    "underwater": ("海底", "水下", "水底", "珊瑚礁"),
    "swimming_pool": ("游泳池", "泳池"),
    "cave": ("山洞", "洞穴", "岩洞", "溶洞", "洞里"),
}

TIME_WORDS: dict[str, tuple[str, ...]] = {
    "day": ("白天", "早上", "中午", "下午", "上午", "白日", "晴天"),
    "dawn": ("清晨", "黎明", "日出", "拂晓", "破晓", "朝霞"),
    "dusk": ("傍晚", "黄昏", "日落", "夕阳", "晚霞", "落日", "夕阳西下"),
    "night": ("晚上", "夜晚", "夜里", "深夜", "夜", "半夜", "夜间", "夜空", "星空", "星夜",
              "午夜", "月夜", "今晚"),
}

WEATHER_WORDS: dict[str, tuple[str, ...]] = {
    "clear": ("晴", "晴天", "晴朗", "阳光明媚"),
    "rain": ("下雨", "雨", "雨天", "大雨", "小雨", "暴雨", "雨水", "细雨", "雷雨", "下着雨"),
    "snow": ("下雪", "雪", "雪花", "大雪", "小雪", "飘雪", "暴风雪", "下着雪"),
}

# Words that set the mood label outright; other feeling words only move valence and arousal
# (`mood.ZH_VALENCE`).
MOOD_WORDS: dict[str, tuple[str, ...]] = {
    "happy": ("开心", "快乐", "高兴", "欢乐", "愉快", "幸福", "开开心心", "欢快", "快活", "喜悦",
              "欢喜", "开心地", "快乐地", "高兴地", "欢快地"),
    "excited": ("兴奋", "激动", "兴奋地", "激动地", "热闹", "狂欢", "欢呼"),
    "calm": ("平静", "安静", "宁静", "平和", "安详", "祥和", "静谧", "平静地", "安静地", "悠闲"),
    "sad": ("悲伤", "难过", "伤心", "忧伤", "孤独", "哀伤", "悲伤地", "难过地", "伤心地",
            "哭", "哭泣", "孤单", "寂寞", "失落"),
    "scary": ("可怕", "恐怖", "害怕", "吓人", "阴森", "恐惧", "惊恐", "诡异", "阴森森", "毛骨悚然"),
}

# English glosses of common Chinese nouns outside the vocabulary. The embedding model is
# English-only: a glossed word goes through it like its English gloss ("猫" as "cat" -> dog),
# an unglossed one is reported.
GLOSSES: dict[str, str] = {
    "猫": "cat", "小猫": "kitten", "猫咪": "cat", "长颈鹿": "giraffe", "风筝": "kite", "飞机": "airplane",
    "火车": "train", "公交车": "bus", "公共汽车": "bus", "自行车": "bicycle", "摩托车": "motorcycle",
    "城堡": "castle", "宫殿": "palace", "星球": "planet", "行星": "planet", "地球": "planet",
    "彗星": "comet", "流星": "comet", "鲸鱼": "whale", "鲸": "whale", "鲨鱼": "shark", "海豚": "dolphin",
    "水母": "jellyfish", "章鱼": "octopus", "马": "horse", "小马": "pony", "狼": "wolf",
    "狐狸": "fox", "蝴蝶": "butterfly", "兔子": "rabbit", "小兔子": "bunny", "熊": "bear",
    "鸭子": "duck", "天鹅": "swan", "企鹅": "penguin", "大象": "elephant", "老虎": "tiger",
    "狮子": "lion", "猴子": "monkey", "机器人": "robot", "火箭": "rocket", "飞船": "spaceship",
    "灯笼": "lantern", "孔明灯": "lantern", "桌子": "table", "椅子": "chair", "苹果": "apple",
    "橙子": "orange fruit", "硬币": "coin", "弹珠": "marble", "地球仪": "globe", "灌木": "shrub",
    "大楼": "skyscraper", "高楼": "skyscraper", "别墅": "mansion", "帐篷": "tent", "雪人": "snowman",
    "怪物": "monster", "幽灵": "ghost", "龙": "dragon", "蛋糕": "cake", "人": "person",
    "男孩": "boy", "女孩": "girl", "孩子": "child", "小孩": "child", "蜜蜂": "bee", "青蛙": "frog",
}

PRONOUNS_ONE = ("它", "他", "她", "牠")
PRONOUNS_ALL = ("它们", "他们", "她们", "牠们", "大家", "一起", "都")
CONNECTIVES = ("然后", "接着", "随后", "之后", "后来", "再", "又", "最后", "于是", "接下来",
               "紧接着", "然後", "现在", "此时", "这时")
CONJUNCTIONS = ("和", "与", "跟", "还有", "以及", "同时", "而", "并且", "但是", "可是", "边")
LOCATIVES = ("在", "从", "到", "向", "往", "朝", "向着", "朝着", "沿着", "里", "中", "上", "下", "旁边", "之中", "当中")
# Nouns that name nothing visible; an unknown one of these is not worth a warning.
ABSTRACT_NOUNS = frozenset({
    "时候", "画面", "镜头", "场景", "视频", "东西", "样子", "地方", "世界", "时间", "一天", "中间",
    "中央", "屏幕", "背景", "颜色", "形状", "方向", "速度", "今天", "故事", "一会儿", "时刻", "瞬间",
    "开始", "最后", "周围", "身边", "旁边", "前面", "后面", "上面", "下面", "里面", "外面", "感觉",
})
NEGATIONS = ("不", "没", "没有", "并不", "不是", "别", "毫不")
# Measure words: "一只" "两个" "三朵" give a subject's count.
CLASSIFIERS = "个只条朵颗辆艘棵座片轮架匹头枚块根把张道粒团群串艘支位台盏间"
# Digits of a count ("两个", "三只", "十") and the vague quantities, which mean "as many as a
# shot shows" and are clamped to 3 without a warning.
DIGITS: dict[str, int] = {"一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5,
                          "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "几": 3}
QUANTITIES: dict[str, int] = {"许多": 3, "很多": 3, "好多": 3, "一群": 3, "一些": 3, "一堆": 3,
                              "无数": 3, "一对": 2, "一双": 2, "成群": 3, "几个": 3, "几只": 3}
PARTICLES = frozenset("的地得了着过吧呢啊呀哦嘛啦")


def build() -> dict[str, list[tuple[str, object]]]:
    """Every word -> its (category, value) tags, in table order (as `lexicon_en.build`)."""
    tables = [
        {w: ("connective", None) for w in CONNECTIVES},
        {w: ("number", n) for w, n in QUANTITIES.items()},
        entries("direction", DIRECTION_WORDS),
        entries("object", OBJECT_WORDS),
        entries("color", COLOR_WORDS),
        entries("background", BACKGROUND_WORDS),
        entries("time", TIME_WORDS),
        entries("weather", WEATHER_WORDS),
        entries("motion", MOTION_WORDS),
        entries("motion", MANNER_MOTIONS_ZH),  # verbs that came with manners
        entries("speed", SPEED_WORDS),
        entries("mood", MOOD_WORDS),
        entries("size", SIZE_WORDS),
        {w: ("pronoun", "all") for w in PRONOUNS_ALL},
        {w: ("pronoun", "one") for w in PRONOUNS_ONE},
        {w: ("negation", None) for w in NEGATIONS},
        {w: ("conjunction", None) for w in CONJUNCTIONS},
        {w: ("locative", None) for w in LOCATIVES},
    ]
    return merge(tables)


LEXICON = build()
MAX_WORD_CHARS = max(len(k) for k in LEXICON)
