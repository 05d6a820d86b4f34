"""Scene planning and the procedural renderer: geometry, determinism, colours, masks, limits."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from aigc_video import vocab
from aigc_video.errors import InputError
from aigc_video.scene import ScenePlan, plan
from aigc_video.scene.grading import GRADES
from aigc_video.scene.render import render_frame, render_masks, render_shot
from aigc_video.storyboard import Action, Mood, Setting, Shot, Storyboard, Subject

UNDIRECTED = [m for m in vocab.MOTIONS if m not in vocab.DIRECTED_MOTIONS]


def board(*subjects: Subject, background="plain", time=None, weather="clear", mood="neutral",
          duration=2.0, n_shots=1) -> Storyboard:
    setting = Setting(background, time or vocab.BACKGROUND_TIME.get(background, "day"), weather)
    shot = Shot(text="test", subjects=list(subjects), setting=setting, mood=Mood(mood), duration_s=duration)
    return Storyboard(shots=[shot] * n_shots)


def subject(kind="circle", color="red", size="medium", motion="still", direction=None, speed="normal", count=1):
    return Subject(kind, color, size, count, Action(motion, direction, speed))


def screen_circles(shot, aspect: float):
    """Per object: (x, y, rx, ry) arrays on screen (after the camera), normalized."""
    z = np.asarray(shot.camera.zoom)
    pan = np.asarray(shot.camera.pan_x)
    out = []
    for o in shot.objects:
        t = o.track
        x = (np.asarray(t.x) - 0.5 - pan) * z + 0.5
        y = (np.asarray(t.y) - 0.5) * z + 0.5
        r = np.asarray(t.scale) / 2 * z
        out.append((x, y, r / aspect, r))
    return out


# --- planning -------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(640, 360), (64, 64)])
def test_every_motion_keeps_objects_in_frame(size):
    aspect = size[0] / size[1]
    cases = [(m, None) for m in UNDIRECTED] + list(itertools.product(sorted(vocab.DIRECTED_MOTIONS), vocab.DIRECTIONS))
    for (motion, direction), speed, seed in itertools.product(cases, vocab.SPEEDS, range(3)):
        mood = ["neutral", "calm", "happy"][seed]  # calm and happy shots may move the camera
        sb = board(subject(size="large", motion=motion, direction=direction, speed=speed), mood=mood, duration=4)
        shot = plan(sb, size=size, fps=12, seed=seed).shots[0]
        for x, y, rx, ry in screen_circles(shot, aspect):
            assert len(x) == shot.n_frames == 48
            assert (x - rx >= -1e-6).all() and (x + rx <= 1 + 1e-6).all(), (motion, direction, speed)
            assert (y - ry >= -1e-6).all() and (y + ry <= 1 + 1e-6).all(), (motion, direction, speed)


@pytest.mark.parametrize("direction", vocab.DIRECTIONS)
def test_move_goes_the_named_way_far_enough(direction):
    u = np.array(vocab.DIRECTION_VECTORS[direction])
    for seed in range(5):
        shot = plan(board(subject(size="large", motion="move", direction=direction), duration=3.0),
                    size=(640, 360), seed=seed).shots[0]
        t = shot.objects[0].track
        # Displacement in units of the frame height (so a diagonal is at 45 degrees).
        d = np.array([(t.x[-1] - t.x[0]) * 640 / 360, t.y[-1] - t.y[0]])
        assert d @ u > 0.2
        assert abs(d[0] * -u[1] + d[1] * u[0]) < 1e-4  # no sideways drift
        if direction in ("left", "right"):
            assert abs(t.x[-1] - t.x[0]) >= 0.4  # at least ~40% of the frame width at normal speed
            starts_right = t.x[0] > 0.5
            assert starts_right == (direction == "left")


def test_speed_scales_the_distance():
    dist = {}
    for speed in vocab.SPEEDS:
        shot = plan(board(subject(motion="move", direction="right", speed=speed)), seed=1).shots[0]
        dist[speed] = shot.objects[0].track.x[-1] - shot.objects[0].track.x[0]
    assert dist["slow"] < dist["normal"] < dist["fast"]


def test_bounce_reflects_at_the_walls_and_arcs():
    aspect = 640 / 360
    shot = plan(board(subject(size="small", motion="bounce", direction="right", speed="fast"), duration=8),
                size=(640, 360), fps=24, seed=0).shots[0]
    (x, y, rx, ry), = screen_circles(shot, aspect)
    vx = np.diff(x)
    flips = np.flatnonzero(np.sign(vx[1:]) != np.sign(vx[:-1])) + 1
    assert len(flips) >= 2
    assert vx[0] > 0  # starts going right
    for f in flips:
        near_wall = min(x[f] - rx[f], 1 - (x[f] + rx[f]))
        assert near_wall < 0.05, f"turned at x={x[f]:.3f}, away from the walls"
    # Gravity: y has a floor it keeps returning to, with arcs above it.
    floor = y.max()
    assert (np.isclose(y, floor, atol=0.02)).sum() >= 4
    assert y.min() < floor - 0.2


def test_other_motions_do_what_they_say():
    def track(motion, **kw):
        return plan(board(subject(motion=motion, **kw), duration=3), seed=3).shots[0].objects[0].track

    spin = track("spin")
    assert abs(spin.rotation[-1] - spin.rotation[0]) > 180
    grow, shrink = track("grow"), track("shrink")
    assert grow.scale[-1] > 2 * grow.scale[0] and shrink.scale[-1] < shrink.scale[0] / 2
    fall, rise = track("fall"), track("rise")
    assert np.all(np.diff(fall.y) >= 0) and fall.y[-1] - fall.y[0] > 0.3
    fall_v = np.diff(fall.y)
    assert fall_v[len(fall_v) // 2] > fall_v[2]  # accelerating
    assert rise.y[-1] < rise.y[0] - 0.2
    fade_in, fade_out = track("fade_in"), track("fade_out")
    assert fade_in.opacity[0] == 0 and fade_in.opacity[-1] == 1
    assert fade_out.opacity[0] == 1 and fade_out.opacity[-1] == 0
    still = track("still")
    assert len(set(still.x)) == len(set(still.y)) == 1
    jump = track("jump")
    assert max(jump.y) - min(jump.y) > 0.1 and len(set(jump.x)) == 1
    orbit = track("orbit")
    assert np.ptp(orbit.x) > 0.05 and np.ptp(orbit.y) > 0.05


def test_several_subjects_never_start_overlapping():
    rng = np.random.default_rng(0)
    aspect = 640 / 360
    for seed in range(60):
        n = int(rng.integers(2, 4))
        subjects = [subject(kind=str(rng.choice(list(vocab.OBJECTS))), size=str(rng.choice(list(vocab.SIZES))),
                            motion=str(rng.choice(vocab.MOTIONS)), direction=str(rng.choice(vocab.DIRECTIONS)),
                            count=int(rng.integers(1, 4)))
                    for _ in range(n)]
        for s in subjects:
            if s.action.motion not in vocab.DIRECTED_MOTIONS:
                s.action.direction = None
        shot = plan(board(*subjects), size=(640, 360), seed=seed).shots[0]
        assert len(shot.objects) == sum(s.count for s in subjects)
        starts = [(o.track.x[0] * aspect, o.track.y[0], o.track.scale[0] / 2) for o in shot.objects]
        for (x1, y1, r1), (x2, y2, r2) in itertools.combinations(starts, 2):
            assert np.hypot(x1 - x2, y1 - y2) > r1 + r2


def test_plan_is_deterministic_and_seeded():
    sb = board(subject(motion="orbit"), subject("star", "yellow", motion="zigzag", direction="right"), n_shots=3)
    a, b, c = plan(sb, seed=7), plan(sb, seed=7), plan(sb, seed=8)
    assert a.to_json() == b.to_json()
    assert a.to_json() != c.to_json()
    assert len({s.seed for s in a.shots}) == 3  # each shot its own seed
    assert ScenePlan.from_json(a.to_json()).to_json() == a.to_json()


def test_frames_transitions_and_captions():
    sb = board(subject(), duration=2.5, n_shots=3)
    sb.shots[2] = Shot(text="x", duration_s=1.0, transition="crossfade")
    sb.shots[1].transition = "cut"
    p = plan(sb, fps=24)
    assert [s.n_frames for s in p.shots] == [60, 60, 24]
    assert [s.transition for s in p.shots] == ["cut", "cut", "crossfade"]
    assert p.shots[2].transition_frames == 24 // 3  # 0.5 s would be over a third of the short shot
    assert p.shots[0].caption == sb.shots[0].caption()
    first = plan(board(subject(), n_shots=2), fps=24).shots
    assert first[0].transition_frames == 0 and first[1].transition_frames == 12


@pytest.mark.parametrize("kwargs", [dict(size=(63, 64)), dict(size=(640, 361)), dict(size=(32, 32)),
                                    dict(size=(4000, 2000)), dict(fps=0), dict(fps=61), dict(fps=24.0),
                                    dict(seed=-1), dict(seed=2**31)])
def test_bad_plan_arguments_raise_input_error(kwargs):
    with pytest.raises(InputError):
        plan(board(subject()), **kwargs)


def test_bad_vocabulary_raises_input_error():
    for bad in (subject(kind="unicorn"), subject(color="teal"), subject(motion="dance"),
                subject(motion="move", direction="north"), subject(count=5)):
        with pytest.raises(InputError):
            plan(board(bad))
    with pytest.raises(InputError):
        plan(board(subject(), background="atlantis"))


# --- rendering ------------------------------------------------------------------------------

def test_render_is_deterministic_and_seed_dependent():
    sb = board(subject(motion="move", direction="left"), background="night_sky", weather="snow", duration=1.0)
    a = plan(sb, size=(160, 90), seed=1).shots[0]
    f1, f2 = render_shot(a, 160, 90), render_shot(a, 160, 90)
    assert f1.shape == (24, 90, 160, 3) and f1.dtype == np.uint8
    assert np.array_equal(f1, f2)
    b = plan(sb, size=(160, 90), seed=2).shots[0]
    assert not np.array_equal(f1[0], render_frame(b, 0, 160, 90))


def test_sequential_frames_equal_single_frames():
    # The renderer converts only the boxes it draws in; stale canvas pixels must never leak.
    cases = [(weather, mood, seed) for weather, mood in (("rain", "calm"), ("clear", "scary"), ("snow", "happy"))
             for seed in range(3)]
    for weather, mood, seed in cases:
        sb = board(subject(motion="bounce", direction="left", speed="fast"),
                   subject("boat", "blue", motion="move", direction="right"),
                   background="sea", weather=weather, mood=mood, duration=1.0)
        shot = plan(sb, size=(128, 72), seed=seed).shots[0]
        frames = render_shot(shot, 128, 72)
        for i in (0, 7, 23):
            assert np.array_equal(frames[i], render_frame(shot, i, 128, 72))


def test_red_circle_moving_right_really_moves_right():
    shot = plan(board(subject("circle", "red", motion="move", direction="right"), duration=2.0),
                size=(128, 72), seed=0).shots[0]
    frames = render_shot(shot, 128, 72).astype(int)
    red = (frames[..., 0] > 150) & (frames[..., 1] < 90) & (frames[..., 2] < 90)
    xs = np.arange(128)
    centroids = np.array([(red[i] * xs).sum(1).sum() / red[i].sum() for i in range(len(frames))])
    assert red.sum((1, 2)).min() > 50
    assert (np.diff(centroids) > -0.5).all()
    assert centroids[-1] - centroids[0] > 0.4 * 128


def _nearest_color(pixels: np.ndarray) -> np.ndarray:
    names = list(vocab.COLORS)
    palette = np.array([vocab.COLORS[n] for n in names], float)
    d = ((pixels[:, None, :].astype(float) - palette[None]) ** 2).sum(-1)
    return np.array(names)[d.argmin(1)]


@pytest.mark.parametrize("kind", list(vocab.OBJECTS))
def test_each_object_shows_its_named_colour(kind):
    for color in vocab.COLORS:
        shot = plan(board(subject(kind, color, size="large")), size=(128, 128), seed=0).shots[0]
        frame = render_frame(shot, 0, 128, 128)
        mask = render_masks(shot, 128, 128)[0, 0]
        inside = frame[mask > 0.99]
        assert len(inside) > 200
        names, counts = np.unique(_nearest_color(inside), return_counts=True)
        assert names[counts.argmax()] == color, (kind, color, dict(zip(names, counts)))
        assert counts.max() / counts.sum() > 0.55, (kind, color, dict(zip(names, counts)))


@pytest.mark.parametrize("background", vocab.BACKGROUNDS)
def test_every_background_renders_at_any_size(background):
    for (w, h), time, weather in [((64, 64), "day", "clear"), ((160, 90), "night", "rain"),
                                  ((96, 64), "dusk", "snow"), ((64, 64), "dawn", "clear")]:
        shot = plan(board(subject(), background=background, time=time, weather=weather, duration=1.0),
                    size=(max(w, 64), max(h, 64)), seed=0).shots[0]
        frames = render_shot(shot, w, h)
        assert frames.shape == (shot.n_frames, h, w, 3)
        assert frames.std() > 3  # not a blank frame
    day = render_frame(plan(board(background=background)).shots[0], 0, 64, 64).mean()
    night = render_frame(plan(board(background=background, time="night")).shots[0], 0, 64, 64).mean()
    if background not in ("night_sky", "space"):
        assert night < day


def test_weather_and_waves_move_between_frames():
    for background, weather in (("plain", "rain"), ("plain", "snow"), ("sea", "clear")):
        shot = plan(board(background=background, weather=weather, duration=1.0), size=(64, 64)).shots[0]
        frames = render_shot(shot, 128, 128)
        assert not np.array_equal(frames[0], frames[5])
    still = render_shot(plan(board(background="plain", duration=1.0), size=(64, 64)).shots[0], 64, 64)
    assert np.array_equal(still[0], still[5])


def test_masks_follow_the_objects():
    sb = board(subject(motion="fade_in"), subject("square", "blue", motion="move", direction="down"), duration=1.0)
    shot = plan(sb, size=(96, 64), seed=4).shots[0]
    masks = render_masks(shot, 96, 64)
    assert masks.shape == (24, 2, 64, 96) and masks.dtype == np.float32
    assert masks.min() >= 0 and masks.max() <= 1
    assert masks[0, 0].max() == 0 and masks[-1, 0].max() > 0.99  # fades in
    ys = np.arange(64)[:, None]
    for i in (0, 23):
        m = masks[i, 1]
        cy = (m * ys).sum() / m.sum()
        assert abs(cy / 64 - shot.objects[1].track.y[i]) < 0.03
    # Small (latent-resolution) masks are allowed; bad sizes are not.
    assert render_masks(shot, 8, 8).shape == (24, 2, 8, 8)
    for w, h in ((0, 8), (8, -1), (5000, 8)):
        with pytest.raises(InputError):
            render_masks(shot, w, h)
        with pytest.raises(InputError):
            render_shot(shot, w, h)
    with pytest.raises(InputError):
        render_frame(shot, 24, 64, 64)


@pytest.mark.parametrize("mood", list(GRADES))
def test_grade_on_paints_matches_grade_on_pixels(mood):
    # Objects are graded by a skia colour filter, the background by numpy: the two must agree.
    import skia
    grade = GRADES[mood]
    rgb = np.array([[list(c) for c in vocab.COLORS.values()]], np.uint8)
    expected = grade.apply(rgb)
    got = np.zeros((1, len(vocab.COLORS), 4), np.uint8)
    canvas = skia.Surface(got, skia.ColorType.kRGBA_8888_ColorType, skia.AlphaType.kPremul_AlphaType).getCanvas()
    for k, (r, g, b) in enumerate(vocab.COLORS.values()):
        paint = skia.Paint(Color=skia.ColorSetRGB(r, g, b), ColorFilter=grade.color_filter())
        canvas.drawRect(skia.Rect(k, 0, k + 1, 1), paint)
    assert np.abs(got[..., :3].astype(int) - expected).max() <= 2


def test_mood_grade_is_mild_on_objects():
    for mood in GRADES:
        shot = plan(board(subject("circle", "blue", size="large"), mood=mood), size=(128, 128), seed=0).shots[0]
        inside = render_frame(shot, 0, 128, 128)[render_masks(shot, 128, 128)[0, 0] > 0.99]
        names, counts = np.unique(_nearest_color(inside), return_counts=True)
        assert names[counts.argmax()] == "blue", mood


def test_box_conversion_matches_whole_frame_reference(monkeypatch):
    # The renderer converts only the boxes it draws in; a box that missed part of a drawing
    # would cut it. Reference: one box covering the whole frame.
    from aigc_video.scene import render as render_module
    kinds = list(vocab.OBJECTS)
    for k in range(0, len(kinds), 3):
        subjects = [subject(kind, size="large", motion="spin") for kind in kinds[k:k + 3]]
        shot = plan(board(*subjects, background="sea", weather="snow", mood="calm", duration=0.5),
                    size=(96, 64), seed=k).shots[0]
        fast = render_shot(shot, 96, 64)
        with monkeypatch.context() as m:
            m.setattr(render_module.ShotRenderer, "_boxes", lambda self, i, cam: [(0, self.h, 0, self.w)])
            reference = render_shot(shot, 96, 64)
        assert np.array_equal(fast, reference), kinds[k:k + 3]


def test_things_sit_where_they_belong_in_landscapes():
    for seed in range(10):
        shot = plan(board(subject("boat", "white"), subject("bird", "blue"), subject("fish", "orange"),
                          background="sea"), seed=seed).shots[0]
        boat, bird, fish = (o.track.y[0] for o in shot.objects)
        assert 0.5 <= boat <= 0.75 and bird <= 0.45 and fish >= 0.6
        car = plan(board(subject("car", "red", motion="move", direction="left"), background="grass"),
                   seed=seed).shots[0].objects[0].track
        assert min(car.y) >= 0.6


def test_things_face_the_way_they_move():
    from aigc_video.scene.motions import facing as _facing
    there_and_back = list(np.linspace(0.1, 0.9, 10)) + list(np.linspace(0.9, 0.1, 10))
    assert list(_facing(there_and_back)) == [1.0] * 10 + [-1.0] * 10  # turns at the wall
    assert (_facing(list(0.5 + 0.01 * np.sin(np.arange(30)))) == 1).all()  # a sway does not turn
    import dataclasses
    base = plan(board(subject("dog", "brown", size="large")), size=(128, 72)).shots[0]

    def heading(xs):  # the dog at x = 0.5 on frame 0, then moving to xs[1]
        obj = base.objects[0]
        track = dataclasses.replace(obj.track, x=xs, y=[0.5] * 2, scale=[0.5] * 2, rotation=[0.0] * 2,
                                    opacity=[1.0] * 2)
        return dataclasses.replace(base, n_frames=2, objects=[dataclasses.replace(obj, track=track)],
                                   camera=dataclasses.replace(base.camera, pan_x=[], zoom=[]))

    right = render_masks(heading([0.5, 0.6]), 128, 72)[0, 0]
    left = render_masks(heading([0.5, 0.4]), 128, 72)[0, 0]
    assert np.abs(left - right).mean() > 0.02          # the dog is not symmetric...
    assert np.allclose(left, right[:, ::-1], atol=0.05)  # ...and turns into its mirror image
