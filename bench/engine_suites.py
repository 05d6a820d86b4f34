"""What the bench scripts that judge engines share (bench/engine_suites.py): an evaluation result as one flat row, and the
same suites run through several engines in one process, written as one JSON report."""
from __future__ import annotations

import json
import time
from pathlib import Path


def accuracy_row(metrics: dict) -> dict:
    """fully_correct and every attribute's accuracy, from `aigc_video.eval.evaluate`'s result."""
    return {"fully_correct": metrics["fully_correct"], **{a: v["accuracy"] for a, v in metrics["per_attribute"].items()}}


def compare_engines(engines: dict, suites: list[str], seeds: tuple[int, ...], report: dict, out: str,
                    extra=lambda metrics: {}) -> dict:
    """Judge every engine on every suite (same shots, same seeds); report["results"][suite][label]
    gets the accuracy row, extra(metrics) and the seconds taken. The report is written to `out`."""
    from aigc_video.eval.evaluate import evaluate
    report.setdefault("results", {})
    for suite in suites:
        for label, engine in engines.items():
            t0 = time.time()
            m = evaluate(engine, suite, seeds=seeds, distances=False)
            row = {**accuracy_row(m), **extra(m), "seconds": round(time.time() - t0, 1)}
            report["results"].setdefault(suite, {})[label] = row
            print(suite, label, json.dumps(row), flush=True)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    return report
