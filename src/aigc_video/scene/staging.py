"""Where materials stand: a setting's props, subjects on the ground line or on a prop.

A setting (scene.settings.SETTING_SPECS) names its ground line and its props; props stand on the
ground, resting subjects sit on the prop the text names ("on the sofa"), and material subjects
that walk, run, drive or stand keep their feet on the ground line. Feet are where the drawing's
visible pixels end (materials.alpha_bbox), not the bottom of its square, so a cat stands on the
floor, not above it. Positions are in the planner's aspect units (x in [0, aspect], y in [0, 1]).
"""
from __future__ import annotations

from .. import materials
from ..materials import Match
from ..materials.index import SOURCE
from ..storyboard import Setting, Subject
from .sceneplan import PlannedProp
from .settings import SETTING_SPECS, PropSpec

# A prop named by the text that the setting does not have: in the middle, this wide (fraction
# of the frame height), seated on its top third.
NAMED_PROP_WIDTH = 0.42
NAMED_PROP_SEAT = 0.3
# Manners and motions that leave the ground.
_AIRBORNE_MANNERS = frozenset({"fly", "swim", "launch"})
_AIRBORNE_MOTIONS = frozenset({"rise", "fall", "orbit", "bounce", "zigzag"})
# Motions done in place: a subject doing them can sit on a prop.
_IN_PLACE = frozenset({"still", "spin", "grow", "shrink", "fade_in", "fade_out", "jump"})


def builtin_match(spec: PropSpec) -> Match:
    """The material a setting's own prop is drawn with, named as the setting names it."""
    entry = materials.library().entry(f"{SOURCE}:{spec.icon}")
    return Match(asset_id=entry.id, name=spec.names[0] if spec.names else entry.label,
                 source=entry.source, licence=entry.licence, score=1.0, matched_by="setting",
                 query=spec.icon)


def plan_props(setting: Setting, assets: str | None,
               subjects: tuple[Subject, ...] = ()) -> list[PlannedProp]:
    """The setting's props standing on its ground line, plus the prop the text named when the
    setting has none by that name; a prop that is also one of the shot's subjects (the
    bedroom's teddy bear when the text names one) is left to the subject. Empty when the
    material library is not installed."""
    if not materials.is_installed():
        return []
    spec = SETTING_SPECS[setting.background]
    named = {s.asset.asset_id for s in subjects if s.asset is not None}
    own = [(builtin_match(p), p) for p in spec.props]
    props = [_stand(m, p.x, p.width, p.seat, spec.ground if p.bottom is None else p.bottom, assets)
             for m, p in own if m.asset_id not in named]
    if setting.on is not None and setting.on.asset is not None:
        # Named, not the setting's own: it goes in the middle, in front of the others.
        props = [p for p in props if abs(p.x - 0.5) > 0.2]
        props.append(_stand(setting.on.asset, 0.5, NAMED_PROP_WIDTH, NAMED_PROP_SEAT,
                            spec.ground, assets, name=setting.on.name))
    return props


def _stand(asset: Match, x: float, width: float, seat: float | None, ground: float,
           assets: str | None, name: str | None = None) -> PlannedProp:
    """A prop `width` wide (fraction of the frame height) centred at x (fraction of the width),
    its visible bottom on `ground`."""
    x0, y0, x1, y1 = materials.alpha_bbox(asset.asset_id, user_dir=assets)
    side = width / max(x1 - x0, 1e-3)       # the square whose visible part is `width` wide
    y = ground - side * (y1 - 0.5)          # visible bottom on the ground line
    top, height = y + side * (y0 - 0.5), side * (y1 - y0)
    return PlannedProp(name=name or asset.name, asset=asset, x=x, y=y, scale=side,
                       seat=None if seat is None else top + seat * height)


def seat_of(setting: Setting, props: list[PlannedProp]) -> PlannedProp | None:
    """The prop the shot's resting subjects sit on, if the text named one."""
    if setting.on is None:
        return None
    return next((p for p in props if p.name == setting.on.name and p.seat is not None), None)


def rests_on_prop(subject: Subject) -> bool:
    return subject.action.motion in _IN_PLACE


def feet_offset(subject: Subject, scale: float, assets: str | None) -> float:
    """From a material subject's centre down to its feet, in frame heights."""
    _, _, _, y1 = materials.alpha_bbox(subject.asset.asset_id, user_dir=assets)
    return scale * (y1 - 0.5)


def ground_rows(subject: Subject, background: str, scale: float,
                assets: str | None) -> tuple[float, float] | None:
    """Centre rows that put a material subject's feet on the ground line (a swimmer: in the
    water), or None for subjects that fly or leave the ground, and for settings where things
    float anywhere (sky, space, underwater)."""
    spec = SETTING_SPECS.get(background)
    if subject.asset is None or spec is None:
        return None
    if subject.action.manner == "swim" and spec.surface is not None:
        # In the water: from just under the surface down to the bottom of the frame.
        top = spec.surface + 0.35 * scale
        return (top, max(top, 1.0 - 0.55 * scale))
    if (spec.flying or subject.action.manner in _AIRBORNE_MANNERS
            or subject.action.motion in _AIRBORNE_MOTIONS):
        return None
    y = spec.ground - feet_offset(subject, scale, assets)
    return (y, y)
