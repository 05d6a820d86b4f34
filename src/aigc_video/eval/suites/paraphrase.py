"""Synonyms and unusual wording of known concepts: measures the parser as much as the engine."""
from . import Expect as E, SuitePrompt as P

PROMPTS = (
    P("p01", "A crimson ball drifts to the right.", (E("circle", "red", "move", "right"),), None),
    P("p02", "A tiny golden star tumbles down through the starry night.", (E("star", "yellow", "fall", size="small"),), "night_sky"),
    P("p03", "An enormous azure cube rotates.", (E("square", "blue", "spin", size="large"),), None),
    P("p04", "A puppy hops around on the lawn.", (E("dog", "brown", "jump"),), "grass"),
    P("p05", "A scarlet automobile speeds leftward through downtown.", (E("car", "red", "move", "left"),), "city"),
    P("p06", "A violet hexagon expands in outer space.", (E("hexagon", "purple", "grow"),), "space"),
    P("p07", "An amber gem circles around.", (E("diamond", "orange", "orbit"),), None),
    P("p08", "A jade pyramid glides towards the right across the meadow.", (E("triangle", "green", "move", "right"),), "grass"),
    P("p09", "A little sailboat sails leftwards over the ocean.", (E("boat", "white", "move", "left", size="small"),), "sea"),
    P("p10", "The moon hangs motionless in the dark night sky.", (E("moon", "white", "still"),), "night_sky"),
    P("p11", "A rose-colored blossom gradually appears in the meadow.", (E("flower", "pink", "fade_in"),), "grass"),
    P("p12", "A silver sparrow soars upward at dusk.", (E("bird", "gray", "rise"),), None),
)
