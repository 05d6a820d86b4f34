"""One subject per prompt: every kind of object, colour, size, motion and background at least
once, in plain wording. None of these is a held-out composition (a test checks)."""
from . import Expect as E, SuitePrompt as P

PROMPTS = (
    P("b01", "A red circle moves to the right.", (E("circle", "red", "move", "right"),), "plain"),
    P("b02", "A large blue square spins on a plain background.", (E("square", "blue", "spin", size="large"),), "plain"),
    P("b03", "A small yellow star falls in the night sky.", (E("star", "yellow", "fall", size="small"),), "night_sky"),
    P("b04", "A green triangle bounces to the left on the grass.", (E("triangle", "green", "bounce", "left"),), "grass"),
    P("b05", "A white cloud moves to the left in the sky.", (E("cloud", "white", "move", "left"),), "day_sky"),
    P("b06", "An orange fish swims to the right in the sea.", (E("fish", "orange", "move", "right"),), "sea"),
    P("b07", "A red car moves to the left in the city.", (E("car", "red", "move", "left"),), "city"),
    P("b08", "A pink flower grows on the grass.", (E("flower", "pink", "grow"),), "grass"),
    P("b09", "A yellow sun rises over the desert.", (E("sun", "yellow", "rise"),), "desert"),
    P("b10", "A purple hexagon shrinks in space.", (E("hexagon", "purple", "shrink"),), "space"),
    P("b11", "A brown dog jumps in a snowy field.", (E("dog", "brown", "jump"),), "snow"),
    P("b12", "A red balloon rises into the sunset sky.", (E("balloon", "red", "rise"),), "sunset"),
    P("b13", "A blue bird zigzags to the right across the sky.", (E("bird", "blue", "zigzag", "right"),), "day_sky"),
    P("b14", "A white moon stays still in the night sky.", (E("moon", "white", "still"),), "night_sky"),
    P("b15", "A green tree fades in on the grass.", (E("tree", "green", "fade_in"),), "grass"),
    P("b16", "An orange diamond orbits in space.", (E("diamond", "orange", "orbit"),), "space"),
    P("b17", "A red heart fades out.", (E("heart", "red", "fade_out"),), None),
    P("b18", "A white boat moves to the right on the sea.", (E("boat", "white", "move", "right"),), "sea"),
    P("b19", "A small brown house stands still on a snowfield.", (E("house", "brown", "still", size="small"),), "snow"),
    P("b20", "Two red circles bounce to the right.", (E("circle", "red", "bounce", "right", count=2),), None),
    P("b21", "Three yellow stars spin in space.", (E("star", "yellow", "spin", count=3),), "space"),
    P("b22", "A large gray square moves down.", (E("square", "gray", "move", "down", size="large"),), None),
    P("b23", "A black circle moves up over snowy ground.", (E("circle", "black", "move", "up"),), "snow"),
    P("b24", "A purple star moves to the upper left in the city.", (E("star", "purple", "move", "up_left"),), "city"),
)
