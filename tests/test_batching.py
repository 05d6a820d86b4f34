"""Batching (serve/batch.py, LatentEngine.draw_native): shots drawn together give the frames they
give alone, and the worker's batch of jobs ends each job on its own."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from aigc_video.engines.flow import FlowEngine
from aigc_video.engines.gan import GanEngine
from aigc_video.engines.vae import VaeEngine
from aigc_video.models.flow_dit import FlowDiT, FlowDiTConfig
from aigc_video.models.gan import VideoGAN
from aigc_video.models.io import save_component
from aigc_video.models.latent_cvae import LatentCVAE, LatentCVAEConfig
from aigc_video.models.vae import VideoVAE, VideoVAEConfig
from aigc_video.scene import plan
from aigc_video.storyboard import Action, Shot, Storyboard, Subject


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """Tiny untrained flow, gan and cvae generators over one tiny VAE, in one folder."""
    folder = tmp_path_factory.mktemp("tiny")
    torch.manual_seed(0)
    save_component(VideoVAE(VideoVAEConfig(latent_channels=4, time_factor=2, space_factor=4, width=16,
                                           n_res_blocks=1, layout_channels=4)), folder, "vae")
    dit = FlowDiTConfig(latent_channels=4, latent_frames=4, latent_height=4, latent_width=4, patch=2,
                        width=32, depth=2, heads=2)
    meta = {"fps": 12, "size": [16, 16], "n_frames": 8}
    for name, model in (("flow", FlowDiT(dit)), ("gan", VideoGAN(dit)),
                        ("cvae", LatentCVAE(LatentCVAEConfig(latent_channels=4, latent_frames=4, width=16,
                                                             code_channels=2, n_blocks=1)))):
        with torch.no_grad():   # weights that make every input matter
            for p in model.parameters():
                p.add_(0.05 * torch.randn_like(p))
        save_component(model, folder, name, meta)
    return folder


def shots():
    """Three shots: different captions, seeds and lengths (1, 3 and 5 windows), two frame rates."""
    made = []
    for text, kind, seconds, fps, seed in (("a red ball moves right", "circle", 0.6, 12, 1),
                                           ("a blue star moves left", "star", 1.5, 8, 2),
                                           ("a green ball moves up", "circle", 2.5, 12, 3)):
        direction = text.rsplit(" ", 1)[1]
        shot = Shot(text=text, duration_s=seconds, subjects=[Subject(kind, text.split()[1], action=Action("move", direction))])
        made.append((plan(Storyboard(shots=[shot]), size=(64, 64), fps=fps, seed=seed).shots[0], fps))
    return made


@pytest.mark.parametrize("engine_class,options", [(FlowEngine, {"steps": 2}), (GanEngine, {}), (VaeEngine, {})])
def test_a_shot_drawn_in_a_batch_gives_the_frames_it_gives_alone(checkpoint, engine_class, options):
    engine = engine_class(checkpoint, precision="fp32", upscaler="bicubic", **options)
    requests = shots()
    alone = [engine.generate(shot, 64, 64, fps) for shot, fps in requests]
    together = engine.draw_native(requests)
    for (shot, fps), frames, native in zip(requests, alone, together):
        video, _ = engine.native_frames(shot, fps)
        torch.testing.assert_close(native[0], video, atol=1e-5, rtol=1e-4)    # float rounding only
        batched = engine.generate(shot, 64, 64, fps, native=native)
        assert batched.shape == frames.shape
        assert np.abs(batched.astype(int) - frames).max() <= 1
    # different seeds and captions really gave different shots
    assert not torch.allclose(together[0][0][:4], together[2][0][:4])


def test_native_frames_of_another_shot_are_refused(checkpoint):
    engine = GanEngine(checkpoint, precision="fp32", upscaler="bicubic")
    (short, fps), (long, fps2) = shots()[:2]
    with pytest.raises(ValueError, match="cover"):
        engine.generate(short, 64, 64, fps, native=engine.draw_native([(long, fps2)])[0])


# ---- the worker: jobs of one learned engine drawn together, each ending on its own -----------------

def job_request(text, **fields):
    from aigc_video.serve.schema import JobRequest
    return JobRequest(text=text, engine="gan", width=112, height=64, fps=12, audio=False, subtitles="none",
                      **fields).model_dump()


def test_claim_batch_takes_queued_jobs_of_the_first_ones_engine_and_quality(tmp_path):
    from aigc_video.engines import LEARNED
    from aigc_video.serve.store import JobStore
    store = JobStore(tmp_path / "jobs.sqlite3")
    ids = [store.submit(r, 10).id for r in (
        job_request("A red ball."), {**job_request("A red ball."), "engine": "render"},
        job_request("A blue star."), job_request("A fish.", quality="draft"), job_request("A boat."))]
    assert [j.id for j in store.claim_batch("w", 1, 8, tuple(LEARNED))] == [ids[0], ids[2], ids[4]]
    assert [j.id for j in store.claim_batch("w", 1, 8, tuple(LEARNED))] == [ids[1]]    # render: alone
    assert [j.id for j in store.claim_batch("w", 1, 8, tuple(LEARNED))] == [ids[3]]
    assert store.claim_batch("w", 1, 8, tuple(LEARNED)) == []


def test_a_crashed_batch_is_queued_again_to_run_alone(tmp_path):
    """A worker that crashed holding a batch cannot tell which job brought it down: each job on its
    first attempt goes back to its place in the queue and is claimed alone next; one that crashes
    alone fails, and a job whose cancel was asked for is not queued again."""
    from aigc_video.engines import LEARNED
    from aigc_video.serve.store import CANCELLED, FAILED, QUEUED, JobStore
    store = JobStore(tmp_path / "jobs.sqlite3")
    ids = [store.submit(job_request(text), 10).id for text in ("A red ball.", "A blue star.", "A fish.", "A boat.")]
    batch = store.claim_batch("w1", 1, 8, tuple(LEARNED))
    assert [j.id for j in batch] == ids
    store.cancel(ids[3])                                          # asked to stop before the crash
    requeued = store.requeue_batch("w1")                          # the worker died
    assert [j.id for j in requeued] == ids[:3] and all(j.state == QUEUED and j.worker_id is None for j in requeued)
    ended = store.end_worker_jobs("w1", "crash", FAILED, "crash")
    assert [(j.id, j.state) for j in ended] == [(ids[3], CANCELLED)]
    alone = store.claim_batch("w2", 2, 8, tuple(LEARNED))         # second attempts run one at a time
    assert [(j.id, j.attempts) for j in alone] == [(ids[0], 2)]
    assert store.requeue_batch("w2") == []                        # a crash alone: that job fails
    assert [j.state for j in store.end_worker_jobs("w2", "crash", FAILED, "crash")] == [FAILED]
    assert [j.id for j in store.claim_batch("w3", 3, 8, tuple(LEARNED))] == [ids[1]]
    store.submit(job_request("A new boat."), 10)                   # a first attempt is not batched with it
    assert [j.id for j in store.claim_batch("w4", 4, 8, tuple(LEARNED))] == [ids[2]]


def run_three_jobs(tmp_path):
    """Two good gan jobs and one over its duration limit, run as one batch; -> their end states."""
    from aigc_video.engines import LEARNED
    from aigc_video.serve.batch import run_batch
    from aigc_video.serve.store import JobStore
    store = JobStore(tmp_path / "jobs.sqlite3")
    for request in (job_request("A red ball bounces on the grass.", seed=1),
                    job_request("A red ball bounces on the grass.", seed=2, max_duration_s=0.5),
                    job_request("A blue fish swims left in the sea.", seed=3)):
        store.submit(request, 10)
    jobs = store.claim_batch("w", 1, 8, tuple(LEARNED))
    assert len(jobs) == 3
    run_batch(store, jobs, "w", tmp_path)
    return [store.get(j.id) for j in jobs]


def test_a_batch_of_jobs_is_drawn_together_and_a_bad_job_fails_alone(tmp_path):
    import json
    good, bad, other = run_three_jobs(tmp_path)
    assert bad.state == "failed" and bad.error_kind == "input" and "max_duration_s" in bad.error
    shares = []
    for job in (good, other):
        assert job.state == "done", job.error
        report = json.loads((tmp_path / "jobs" / job.id / job.outputs["files"]["report"]["name"]).read_text())
        assert report["drawn_in_batch"] == [1]          # its shot came from the batch
        shares.append(report["cost"]["batch_share"])
        # the batch's generator and decoder FLOPs are in its report, and its CPU time in the total
        assert report["cost"]["flops"]["per_stage"]["frames: GAN generator"] == shares[-1]["flops"]["frames: GAN generator"] > 0
        assert report["cost"]["cpu_seconds"] >= shares[-1]["cpu_seconds"] > 0
    assert not (tmp_path / "jobs" / bad.id).exists()
    assert [s["jobs_in_batch"] for s in shares] == [2, 2]          # the refused job is not charged
    assert sum(s["share"] for s in shares) == pytest.approx(1.0, abs=1e-3)


def test_when_the_batched_draw_fails_each_job_draws_its_own(tmp_path, monkeypatch):
    from aigc_video.engines.latent import LatentEngine

    def broken(self, requests, progress=None):
        raise RuntimeError("a batch that fails")
    monkeypatch.setattr(LatentEngine, "draw_native", broken)
    good, bad, other = run_three_jobs(tmp_path)
    assert (good.state, bad.state, other.state) == ("done", "failed", "done")


def test_a_shot_already_in_the_cache_is_read_back_not_drawn_in_the_batch(tmp_path):
    import json

    from aigc_video.engines import LEARNED
    from aigc_video.serve.batch import run_batch
    from aigc_video.serve.store import JobStore
    store = JobStore(tmp_path / "jobs.sqlite3")
    cached = {**job_request("A red ball bounces on the grass.", seed=5), "engine": "flow"}
    store.submit(cached, 10)
    run_batch(store, store.claim_batch("w", 1, 8, tuple(LEARNED)), "w", tmp_path)   # draws it, caches it
    again = store.submit(cached, 10).id
    new = store.submit({**job_request("A blue fish swims left in the sea.", seed=6), "engine": "flow"}, 10).id
    jobs = store.claim_batch("w", 1, 8, tuple(LEARNED))
    assert [j.id for j in jobs] == [again, new]
    run_batch(store, jobs, "w", tmp_path)
    reports = {}
    for job_id in (again, new):
        job = store.get(job_id)
        assert job.state == "done", job.error
        reports[job_id] = json.loads((tmp_path / "jobs" / job_id / job.outputs["files"]["report"]["name"]).read_text())
    # read back, not drawn: its frames from the shot cache, or (the same text, the same watermark)
    # its whole encoded segment, which needs no frames at all
    counts = reports[again]["cache"]["counts"]
    assert reports[again]["drawn_in_batch"] == [] and counts["shots"]["hits"] + counts["segments"]["hits"] == 1
    assert "batch_share" not in reports[again]["cost"]
    assert reports[new]["drawn_in_batch"] == [1] and reports[new]["cost"]["batch_share"]["share"] == 1.0
