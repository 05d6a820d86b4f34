"""Tiny components (2 layers, 16x16, 8 frames): shapes, conditioning paths, determinism, round trips."""
import pytest
import torch

from aigc_video.errors import InputError
from aigc_video.models.flow_dit import FlowDiT, FlowDiTConfig, patchify, unpatchify
from aigc_video.models.io import load_component, save_component
from aigc_video.models.vae import VideoVAE, VideoVAEConfig, fold, kl_divergence, unfold

TINY_VAE = dict(latent_channels=4, time_factor=2, space_factor=4, width=16, n_res_blocks=1)
TINY_DIT = dict(latent_channels=4, latent_frames=4, latent_height=4, latent_width=4, patch=2, text_dim=384,
                width=32, depth=2, heads=2)


def tiny_dit(seed=0) -> FlowDiT:
    torch.manual_seed(seed)
    model = FlowDiT(FlowDiTConfig(**TINY_DIT))
    # adaLN-Zero starts every block as the identity and the output at zero; perturb so that the
    # conditioning paths are visible in these tests.
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return model


def dit_inputs(b=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return dict(x=torch.randn(b, 4, 4, 4, 4, generator=g), t=torch.rand(b, generator=g),
                text_tokens=torch.randn(b, 6, 384, generator=g), text_mask=torch.ones(b, 6, dtype=torch.bool),
                text_pooled=torch.randn(b, 384, generator=g), layout=torch.rand(b, 4, 4, 4, 4, generator=g))


def test_fold_and_patchify_are_inverted_exactly():
    x = torch.randn(2, 3, 8, 16, 16)
    assert torch.equal(unfold(fold(x, 2, 4), 2, 4), x)
    z = torch.randn(2, 4, 4, 6, 8)
    assert torch.equal(unpatchify(patchify(z, 2), 4, 4, 6, 8, 2), z)


def test_vae_shapes_and_kl():
    vae = VideoVAE(VideoVAEConfig(**TINY_VAE))
    x = torch.rand(2, 3, 8, 16, 16) * 2 - 1
    mean, logvar = vae.encode(x)
    assert mean.shape == logvar.shape == (2, 4, 4, 4, 4)
    assert vae.decode(mean).shape == x.shape
    recon, _, _ = vae(x, generator=torch.Generator().manual_seed(0))
    assert recon.shape == x.shape
    assert kl_divergence(torch.zeros(1, 4), torch.zeros(1, 4)).item() == 0.0
    assert kl_divergence(torch.ones(1, 4), torch.zeros(1, 4)).item() == pytest.approx(2.0)


def test_vae_decoder_reads_the_layout_of_every_frame():
    vae = VideoVAE(VideoVAEConfig(**{**TINY_VAE, "layout_channels": 4}))
    z = torch.randn(1, 4, 4, 4, 4)
    layout = torch.zeros(1, 4, 8, 4, 4)                      # (B, channels, frames, h, w) at latent size
    assert torch.equal(vae.decode(z), vae.decode(z, layout))  # no layout = an empty one
    layout[:, :, 5, 1, 2] = 1.0                               # an object in frame 5 only
    moved = vae.decode(z, layout)
    assert moved.shape == (1, 3, 8, 16, 16)
    changed = (moved - vae.decode(z)).abs().amax(dim=(0, 1, 3, 4))
    assert changed[5] > 0 and changed[4] > 0                  # frames 4-5 share a latent frame (ft = 2)
    x = torch.rand(1, 3, 8, 16, 16) * 2 - 1
    assert vae(x, layout, generator=torch.Generator().manual_seed(0))[0].shape == x.shape


def test_vae_decoder_reads_a_pixel_resolution_layout():
    vae = VideoVAE(VideoVAEConfig(**{**TINY_VAE, "layout_channels": 4, "layout_factor": 1}))
    z = torch.randn(1, 4, 4, 4, 4)
    corner, other = torch.zeros(1, 4, 8, 16, 16), torch.zeros(1, 4, 8, 16, 16)   # one cell per pixel
    corner[:, :, 2, 4, 4] = 1.0            # the same latent cell (1, 1), the same 4 x 4 average,
    other[:, :, 2, 7, 7] = 1.0             # but another pixel of it: a latent-resolution layout cannot tell
    a, b = vae.decode(z, corner), vae.decode(z, other)
    assert a.shape == (1, 3, 8, 16, 16) and not torch.allclose(a, b)
    assert torch.equal(vae.decode(z), vae.decode(z, torch.zeros(1, 4, 8, 16, 16)))
    with pytest.raises(InputError, match="layout_factor 3 must divide model.space_factor 4"):
        VideoVAE(VideoVAEConfig(**{**TINY_VAE, "layout_channels": 4, "layout_factor": 3}))


def test_pixel_refiner_starts_as_a_no_op_then_reads_each_pixel_of_the_layout():
    torch.manual_seed(0)
    plain = VideoVAE(VideoVAEConfig(**{**TINY_VAE, "layout_channels": 4, "layout_factor": 1}))
    refined = VideoVAE(VideoVAEConfig(**{**TINY_VAE, "layout_channels": 4, "layout_factor": 1, "refine_width": 8,
                                         "refine_hints": 2}))
    missing, unexpected = refined.load_state_dict(plain.state_dict(), strict=False)
    assert not unexpected and missing and all(k.startswith(("refine.", "dec_hints.")) for k in missing)
    z, layout = torch.randn(1, 4, 4, 4, 4), torch.zeros(1, 4, 8, 16, 16)
    layout[:, :, 3, 5:9, 5:9] = 1.0
    assert torch.equal(plain.decode(z, layout), refined.decode(z, layout))   # zero-initialised output conv
    refiner = refined.refine                                                  # alone: per frame, per pixel
    with torch.no_grad():
        refiner.net[-1].weight.normal_(std=0.1)
    video, pixel = torch.zeros(1, 3 + 2, 8, 16, 16), layout.clone()          # RGB + 2 hint channels
    pixel[:, :, 3, 10, 12] = 1.0                                              # one more covered pixel
    change = (refiner(video, pixel) - refiner(video, layout)).abs().sum(dim=(0, 1))
    assert change[3, 10, 12] > 0
    change[3, 7:14, 9:16] = 0                                                  # three 3x3 convolutions:
    assert change.max() == 0                                                   # a 7 x 7 reach, this frame only
    hinted = video.clone()
    hinted[:, 3, 6, 2, 2] = 1.0                                               # a hint channel is read too
    assert (refiner(hinted, layout) - refiner(video, layout)).abs()[0, :, 6, 2, 2].sum() > 0
    with pytest.raises(InputError, match="refine_width 8 needs a layout at pixel resolution"):
        VideoVAE(VideoVAEConfig(**{**TINY_VAE, "layout_channels": 4, "refine_width": 8}))


def test_vae_sample_is_deterministic_for_a_seed():
    vae = VideoVAE(VideoVAEConfig(**TINY_VAE))
    x = torch.rand(1, 3, 8, 16, 16)
    a = vae(x, generator=torch.Generator().manual_seed(3))[0]
    b = vae(x, generator=torch.Generator().manual_seed(3))[0]
    c = vae(x, generator=torch.Generator().manual_seed(4))[0]
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_dit_output_shape_and_zero_init():
    fresh = FlowDiT(FlowDiTConfig(**TINY_DIT))
    out = fresh(**dit_inputs())
    assert out.shape == (2, 4, 4, 4, 4)
    assert torch.count_nonzero(out) == 0  # adaLN-Zero: an untrained model predicts zero velocity


def test_dit_uses_every_condition():
    model = tiny_dit()
    inp = dit_inputs()
    base = model(**inp)
    changed = {
        "text": {**inp, "text_tokens": inp["text_tokens"] + 1},
        "pooled": {**inp, "text_pooled": inp["text_pooled"] + 1},
        "layout": {**inp, "layout": inp["layout"].flip(-1)},
        "time": {**inp, "t": 1 - inp["t"]},
    }
    for name, kwargs in changed.items():
        assert not torch.allclose(model(**kwargs), base, atol=1e-5), name


def test_dropped_text_and_layout_ignore_their_values():
    model = tiny_dit()
    inp = dit_inputs()
    no_text = {**inp, "text_mask": torch.zeros(2, 6, dtype=torch.bool)}
    other = {**no_text, "text_tokens": torch.randn(2, 6, 384)}
    assert torch.allclose(model(**no_text), model(**other), atol=1e-6)
    keep = torch.tensor([False, True])
    a = model(**inp, layout_keep=keep)
    b = model(**{**inp, "layout": torch.rand(2, 4, 4, 4, 4)}, layout_keep=keep)
    assert torch.allclose(a[0], b[0], atol=1e-6) and not torch.allclose(a[1], b[1], atol=1e-5)


def test_context_frames_condition_the_prediction():
    model = tiny_dit()
    inp = dit_inputs()
    context = torch.randn(2, 4, 4, 4, 4)
    mask = torch.tensor([[True, False, False, False]] * 2)
    with_ctx = model(**inp, context=context, context_mask=mask)
    assert not torch.allclose(with_ctx, model(**inp), atol=1e-5)
    # The context is read only on flagged frames.
    ctx2 = context.clone()
    ctx2[:, :, 1:] = torch.randn(2, 4, 3, 4, 4)
    assert torch.allclose(model(**inp, context=ctx2, context_mask=mask), with_ctx, atol=1e-6)


def test_component_round_trip(tmp_path):
    model = tiny_dit()
    save_component(model, tmp_path, "flow", {"note": "x"})
    loaded, meta = load_component(tmp_path, "flow")
    assert meta["note"] == "x" and meta["config"]["depth"] == 2
    inp = dit_inputs()
    assert torch.equal(loaded(**inp), model(**inp))
    assert not list(tmp_path.glob("*.tmp"))
    with pytest.raises(InputError, match="does not exist"):
        load_component(tmp_path, "missing")


def test_text_encoder_tokens_mask_pooled_and_cache():
    from aigc_video.models.text_encoder import MAX_TOKENS, TextEncoder
    enc = TextEncoder(cache_size=2)
    e = enc.encode(["a red ball bounces", "a blue square"])
    assert e.tokens.shape == (2, MAX_TOKENS, 384) and e.mask.shape == (2, MAX_TOKENS)
    assert e.mask[0].sum() > e.mask[1].sum() - 2 and not e.mask[0, -1]
    assert torch.allclose(e.pooled.norm(dim=-1), torch.ones(2), atol=1e-5)
    assert torch.all(e.tokens[~e.mask] == 0)
    again = enc.encode(["a blue square"])
    assert torch.equal(again.tokens[0], e.tokens[1])
    enc.encode(["x", "y"])
    assert len(enc._cache) == 2 and "a red ball bounces" not in enc._cache
    sim = lambda a, b: float(enc.encode([a]).pooled @ enc.encode([b]).pooled.T)
    assert sim("a red circle", "a red ball") > sim("a red circle", "a city at night with rain")


def test_minilm_matches_transformers_bert():
    """Our MiniLM (models/minilm.py) against transformers' BertModel on the same weights: the same
    token ids and mask, last hidden states within 1e-5 on real tokens, and the pooled vectors."""
    transformers = pytest.importorskip("transformers")
    from aigc_video.models.text_encoder import TextEncoder, load_minilm, minilm_folder, sentence_vectors
    folder = minilm_folder()
    ref_tok = transformers.AutoTokenizer.from_pretrained(folder)
    ref = transformers.AutoModel.from_pretrained(folder, dtype=torch.float32).eval()
    tok, model = load_minilm()
    texts = ["A red ball bounces across the green grass.", "一只红色的小球在绿色的草地上跳。", "",
             "Café naïve ÉCOLE  x\u200b y\t z!!", "word " * 50, "emoji 🐱 cat", "antidisestablishmentarianism"]
    for pad_to_max in (False, True):
        batch = ref_tok(texts, padding="max_length" if pad_to_max else True, truncation=True, max_length=32,
                        return_tensors="pt")
        ids, mask = tok(texts, 32, pad_to_max=pad_to_max)
        assert torch.equal(ids, batch["input_ids"]) and torch.equal(mask, batch["attention_mask"])
        with torch.no_grad():
            expected, got = ref(**batch).last_hidden_state, model(ids, mask)
        real = mask.bool()
        assert (expected - got)[real].abs().max() < 1e-5
    m = batch["attention_mask"].unsqueeze(-1).float()
    pooled = torch.nn.functional.normalize((expected * m).sum(1) / m.sum(1), dim=-1)
    assert (TextEncoder().encode(texts).pooled - pooled).abs().max() < 1e-5
    assert (sentence_vectors(texts) - pooled).abs().max() < 1e-5


def test_loading_minilm_leaves_the_global_rng_alone():
    """A training run that loads the text encoder midway must draw the same numbers as one that
    had it loaded already (exact resume): loading initialises nothing at random."""
    from aigc_video.models.minilm import MiniLM
    from aigc_video.models.text_encoder import minilm_folder
    torch.manual_seed(3)
    expected = torch.rand(4)
    torch.manual_seed(3)
    model = MiniLM.from_folder(minilm_folder())
    assert torch.equal(torch.rand(4), expected)
    assert not any(p.is_meta for p in model.parameters()) and not any(p.requires_grad for p in model.parameters())
