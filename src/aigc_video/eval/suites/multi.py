"""Two or three subjects per prompt, each with its own colour and motion."""
from . import Expect as E, SuitePrompt as P

PROMPTS = (
    P("m01", "A red circle moves to the right and a blue square moves to the left.",
      (E("circle", "red", "move", "right"), E("square", "blue", "move", "left")), None),
    P("m02", "A yellow sun stays still and a white cloud moves to the right in the sky.",
      (E("sun", "yellow", "still"), E("cloud", "white", "move", "right")), "day_sky"),
    P("m03", "A green tree stands still and a brown dog jumps on the grass.",
      (E("tree", "green", "still"), E("dog", "brown", "jump")), "grass"),
    P("m04", "A red car moves to the right and a blue bird moves to the left in the city.",
      (E("car", "red", "move", "right"), E("bird", "blue", "move", "left")), "city"),
    P("m05", "A yellow star spins and a white moon stays still in the night sky.",
      (E("star", "yellow", "spin"), E("moon", "white", "still")), "night_sky"),
    P("m06", "A purple hexagon grows, a green triangle shrinks and an orange diamond spins.",
      (E("hexagon", "purple", "grow"), E("triangle", "green", "shrink"), E("diamond", "orange", "spin")), None),
    P("m07", "Two red hearts bounce to the right and a pink flower stays still on the grass.",
      (E("heart", "red", "bounce", "right", count=2), E("flower", "pink", "still")), "grass"),
    P("m08", "A blue square falls and a yellow circle rises in space.",
      (E("square", "blue", "fall"), E("circle", "yellow", "rise")), "space"),
    P("m09", "An orange fish moves to the left and a white boat stays still on the sea.",
      (E("fish", "orange", "move", "left"), E("boat", "white", "still")), "sea"),
    P("m10", "A red balloon rises and a brown house stays still in the desert.",
      (E("balloon", "red", "rise"), E("house", "brown", "still")), "desert"),
)
