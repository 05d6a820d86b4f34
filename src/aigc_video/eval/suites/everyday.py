"""Everyday prompts: what people type (pets, wild animals, vehicles, food, people, rooms,
places), English and Chinese. Written before the material library was tuned on anything, and not
tuned on since: a miss here is a miss to fix in the library or the parser, not in this list.

Each subject names the material icons that would show it (fluent-emoji-flat names; an action
icon such as "man-biking" counts for "man"), or a vocabulary kind ("dog") where the scene
engine draws its own.
"""
from . import Expect as E, SuitePrompt as P

PROMPTS = (
    P("e01", "A cat sleeps on a sofa in a cozy living room.", (E("cat", "natural", "still"),), "living_room"),
    P("e02", "A dog runs across the park.", (E("dog", "brown", "move"),), "park"),
    P("e03", "A panda eats bamboo in a bamboo forest.", (E("panda", "natural", "still"), E("bamboo", "natural")), "bamboo_forest"),
    P("e04", "A red bus drives down the street.", (E("bus", "red", "move"),), "street"),
    P("e05", "A girl reads a book in the library.", (E("girl", "natural", "still"), E("book", "natural")), "library"),
    P("e06", "Two children play in the classroom.", (E("child", "natural", "still", count=2),), "classroom"),
    P("e07", "A chef cooks in the kitchen.", (E("cook", "natural", "still"),), "kitchen"),
    P("e08", "A horse gallops across the farm.", (E("horse", "natural", "move"),), "farm"),
    P("e09", "A penguin walks on the snow.", (E("penguin", "natural", "move"),), "snow"),
    P("e10", "An airplane flies over the mountains.", (E("airplane", "natural", "move"),), "mountains"),
    P("e11", "A turtle swims in the sea.", (E("turtle", "natural", "move"),), "sea"),
    P("e12", "A man rides a bicycle on the road.", (E("man", "natural", "move"), E("bicycle", "natural")), "road"),
    P("e13", "A rabbit hops in the garden.", (E("rabbit", "natural", "jump"),), "garden"),
    P("e14", "A woman drinks coffee in the kitchen.", (E("woman", "natural", "still"), E("coffee", "natural")), "kitchen"),
    P("e15", "A lion walks in the desert.", (E("lion", "natural", "move"),), "desert"),
    P("e16", "An elephant stands by the lake.", (E("elephant", "natural", "still"),), "lake"),
    P("e17", "A monkey climbs in the jungle.", (E("monkey", "natural", "rise"),), "jungle"),
    P("e18", "A cow eats grass on the farm.", (E("cow", "natural", "still"),), "farm"),
    P("e19", "A rocket launches into space.", (E("rocket", "natural", "rise"),), "space"),
    P("e20", "A pizza sits on the table in the restaurant.", (E("pizza", "natural", "still"),), "restaurant"),
    P("e21", "A teddy bear lies on the bed in the bedroom.", (E("teddy bear", "natural", "still"),), "bedroom"),
    P("e22", "A boy kicks a soccer ball at the stadium.", (E("boy", "natural"), E("soccer ball", "natural")), "stadium"),
    P("e23", "A butterfly flies over the garden.", (E("butterfly", "natural", "move"),), "garden"),
    P("e24", "A whale swims in the ocean.", (E("whale", "natural", "move"),), "sea"),
    P("z01", "一只熊猫在竹林里吃竹子。", (E("panda", "natural", "still"), E("bamboo", "natural")), "bamboo_forest"),
    P("z02", "一只猫在沙发上睡觉。", (E("cat", "natural", "still"),), "living_room"),
    P("z03", "一辆公交车在街道上行驶。", (E("bus", "natural", "move"),), "street"),
    P("z04", "一只兔子在花园里跳。", (E("rabbit", "natural", "jump"),), "garden"),
    P("z05", "一个女孩在教室里看书。", (E("girl", "natural", "still"),), "classroom"),
    P("z06", "一匹马在农场上奔跑。", (E("horse", "natural", "move"),), "farm"),
    P("z07", "一只企鹅在雪地上走。", (E("penguin", "natural", "move"),), "snow"),
    P("z08", "一架飞机飞过高山。", (E("airplane", "natural", "move"),), "mountains"),
    P("z09", "一只乌龟在海里游泳。", (E("turtle", "natural", "move"),), "sea"),
    P("z10", "一个男人在路上骑自行车。", (E("man", "natural", "move"),), "road"),
    P("z11", "一头大象在湖边喝水。", (E("elephant", "natural", "still"),), "lake"),
    P("z12", "一只猴子在丛林里爬树。", (E("monkey", "natural", "move"),), "jungle"),
    P("z13", "一头牛在农场里吃草。", (E("cow", "natural", "still"),), "farm"),
    P("z14", "一枚火箭飞向太空。", (E("rocket", "natural", "move"),), "space"),
    P("z15", "一只狮子在沙漠里走。", (E("lion", "natural", "move"),), "desert"),
    P("z16", "孩子们在公园里玩。", (E("child", "natural", "still", count=3),), "park"),
    P("z17", "一个厨师在厨房里做饭。", (E("cook", "natural", "still"),), "kitchen"),
    P("z18", "一只蝴蝶在花园里飞。", (E("butterfly", "natural", "move"),), "garden"),
    P("z19", "一只小狗在海滩上跑。", (E("dog", "brown", "move"),), "beach"),
    P("z20", "一只鲸鱼在大海里游。", (E("whale", "natural", "move"),), "sea"),
)
