"""Samplers on flows whose exact solution is known."""
import math

import pytest
import torch

from aigc_video.errors import InputError
from aigc_video.sampling import combine_guided, get_sampler, guided, sample_euler, sample_heun, timesteps


def test_timesteps_run_from_noise_to_data_and_shift_towards_noise():
    ts = timesteps(8)
    assert ts.shape == (9,) and ts[0] == 1.0 and ts[-1] == 0.0
    assert torch.all(ts[1:] < ts[:-1])
    shifted = timesteps(8, shift=3.0)
    assert torch.all(shifted[1:-1] > ts[1:-1])  # more of the steps spent near t = 1


def test_timesteps_refuse_bad_input():
    with pytest.raises(InputError, match="steps 0"):
        timesteps(0)
    with pytest.raises(InputError, match="shift"):
        timesteps(4, shift=0.0)
    with pytest.raises(InputError, match="sampler 'ddim'"):
        get_sampler("ddim")


def test_straight_flow_to_a_point_is_solved_exactly_by_one_euler_step():
    # All data at x0: the rectified-flow velocity is v(x, t) = (x - x0) / t, paths are straight lines.
    x0 = torch.tensor([[2.0, -1.0]])
    noise = torch.tensor([[0.3, 0.7]])
    v = lambda x, t: (x - x0) / t[:, None]
    assert torch.allclose(sample_euler(v, noise, timesteps(1)), x0, atol=1e-6)


@pytest.mark.parametrize("sampler,order", [(sample_euler, 1), (sample_heun, 2)])
def test_curved_flow_converges_at_the_sampler_order(sampler, order):
    # dx/dt = x: from x(1) = x1 the exact x(0) = x1 / e.
    x1 = torch.tensor([[1.0, -2.0]], dtype=torch.float64)
    exact = x1 / math.e
    v = lambda x, t: x
    errors = []
    for n in (8, 16, 32):
        ts = timesteps(n).double()
        errors.append((sampler(v, x1, ts) - exact).abs().max().item())
    rates = [math.log2(errors[i] / errors[i + 1]) for i in range(2)]
    # Heun's last step is Euler (never evaluate at t = 0), which keeps its rate a little below 2.
    assert all(order - 0.35 < r < order + 0.35 for r in rates), rates
    assert errors[-1] < (2e-2 if order == 1 else 1e-3)


def test_guidance_extrapolates_from_unconditional_to_conditional():
    cond = lambda x, t: torch.ones_like(x)
    uncond = lambda x, t: torch.zeros_like(x)
    x, t = torch.zeros(2, 3), torch.ones(2)
    assert torch.allclose(guided(cond, uncond, 3.0)(x, t), torch.full_like(x, 3.0))
    assert guided(cond, uncond, 1.0) is cond


def test_guidance_rescale_matches_the_conditional_spread_per_sample():
    g = torch.Generator().manual_seed(0)
    v_c = torch.randn(3, 4, 5, generator=g) * torch.tensor([1.0, 2.0, 0.5])[:, None, None]
    v_u = torch.randn(3, 4, 5, generator=g)
    plain = combine_guided(v_c, v_u, 3.0)
    full = combine_guided(v_c, v_u, 3.0, rescale=1.0)
    # rescale 1: each sample keeps the guided direction at the conditional velocity's spread
    assert torch.allclose(full.std((1, 2)), v_c.std((1, 2)), atol=1e-5)
    assert torch.allclose(full / full.norm(dim=(1, 2), keepdim=True), plain / plain.norm(dim=(1, 2), keepdim=True),
                          atol=1e-5)
    # rescale r mixes the two linearly; 0 is plain guidance
    assert torch.allclose(combine_guided(v_c, v_u, 3.0, rescale=0.7), 0.7 * full + 0.3 * plain, atol=1e-5)
    assert torch.equal(combine_guided(v_c, v_u, 3.0, rescale=0.0), plain)
