"""Similar cases: quality against a TF-IDF baseline, and query speed at scale.

    .venv/bin/python benchmarks/similarity.py [--labelled FILE] [--distractors N] [--cases N] [--queries N]

Quality: imports a labelled JSON Lines file (default ``systemic/data/labelled_cases.jsonl``; any
file in the workbench import format with a ``pattern`` field per line) through the real importer
into a scratch SQLite database and prints
precision at 5 and mean reciprocal rank for the workbench's ranking and for the baseline (TF-IDF
over plain words plus a same-subcategory bonus). With ``--housing-ombudsman`` it also scores the
Housing Ombudsman file's findings, their category as the label (coarse: ten categories).

Speed (``--cases N``, e.g. 200000): seeds N demo cases, builds the index as a web process does, and
prints the build time, index memory and the 50th/95th percentile of a similar-cases query (in
process, excluding HTTP). Targets: p95 under 50 ms at 200,000 cases, under 250 ms at 1,000,000,
index memory under 1 GB at 200,000.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import time
from pathlib import Path

import harness

DEFAULT_LABELLED = harness.ROOT / "systemic" / "data" / "labelled_cases.jsonl"
HOUSING = (Path(os.environ.get("WORKBENCH_SHARED_DIR", harness.ROOT.parent / "shared")) / "data"
           / "housing-ombudsman-findings.jsonl.gz")


def labels_of(lines: list[str]) -> dict[str, str]:
    """reference -> pattern, from the labelled file (the importer ignores the extra field)."""
    out = {}
    for line in lines:
        if line.strip():
            data = json.loads(line)
            out[data["reference"]] = data.get("pattern", "none")
    return out


async def quality(labelled: Path, distractors: int, housing: int) -> None:
    from investigations.importing import import_cases
    from systemic.evaluation import baseline_ranker, evaluate, matcher_ranker
    from systemic.profiles import load_profiles

    lines = labelled.read_text(encoding="utf-8").splitlines()
    report = await import_cases(lines, None, source=str(labelled.name))
    print(f"imported {report.inserted} labelled cases ({len(report.rejected)} rejected), {distractors} demo distractors")
    profiles = await load_profiles()
    by_reference = labels_of(lines)
    labels = {p.id: by_reference[p.reference] for p in profiles if p.reference in by_reference}
    print(evaluate("workbench", profiles, labels, matcher_ranker(profiles)).line())
    print(evaluate("baseline (TF-IDF + subcat)", profiles, labels, baseline_ranker(profiles)).line())
    if housing:
        await housing_quality(housing)


async def housing_quality(sample: int) -> None:
    """The Housing Ombudsman's findings: label = category; each finding is its own 'case'."""
    from investigations.importing import clean_ho_text
    from systemic.evaluation import baseline_ranker, evaluate, matcher_ranker
    from systemic.similarity import CaseProfile
    from systemic.text import terms

    profiles, labels = [], {}
    with gzip.open(HOUSING, "rt", encoding="utf-8") as handle:
        for line in handle:
            data = json.loads(line)
            for finding in data["findings"]:
                text = clean_ho_text(finding.get("complaint") or "")
                if not text:
                    continue
                i = len(profiles) + 1
                t = tuple(terms(text))
                profiles.append(CaseProfile(id=i, reference=str(i), terms=t, body_names=(data["body"],),
                                            body_ids=frozenset({hash(data["body"])}), text=text,
                                            words=" ".join(x for x in t if " " not in x)))
                labels[i] = finding["category"]
    queries = set(random.Random(7).sample([p.id for p in profiles], min(sample, len(profiles))))
    rankers = {"workbench": matcher_ranker(profiles), "baseline (TF-IDF)": baseline_ranker(profiles, 0.0)}
    for name, ranker in rankers.items():
        subset = [p for p in profiles if p.id in queries]
        result = evaluate(f"HO {name}", subset, labels, lambda q, k, r=ranker: r(q, k))
        print(result.line())


async def speed(queries: int) -> None:
    from systemic.matching import current_matcher

    before = _rss_mb()
    started = time.perf_counter()
    matcher = await current_matcher()
    built = time.perf_counter() - started
    print(f"index built in {built:.1f} s; the process grew by {_rss_mb() - before:.0f} MB (profiles and index)")
    ids = random.Random(3).sample(list(matcher.profiles), min(queries, len(matcher.profiles)))
    timings = []
    for case_id in ids:
        started = time.perf_counter()
        matcher.similar(case_id, 10)
        timings.append((time.perf_counter() - started) * 1000)
    print(f"similar-cases query over {len(matcher.profiles):,} cases: p50 {harness.median(timings):.1f} ms, "
          f"p95 {harness.percentile(timings, 0.95):.1f} ms ({len(timings)} queries)")


def _rss_mb() -> float:
    """The process's resident memory now (Linux), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--labelled", type=Path, default=DEFAULT_LABELLED)
    parser.add_argument("--distractors", type=int, default=0,
                        help="demo cases mixed in (their templated texts repeat the labelled patterns unlabelled, "
                             "so they lower both scores: use for speed of the pipeline, not quality)")
    parser.add_argument("--housing-ombudsman", type=int, default=0, metavar="QUERIES",
                        help="also score this many Housing Ombudsman findings against all of them")
    parser.add_argument("--cases", type=int, default=0, help="measure speed with this many demo cases")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    harness.scratch(prefix="workbench-similar-")
    if args.cases:
        harness.ensure_demo(args.cases, seed=9)
        asyncio.run(speed(args.queries))
    else:
        harness.ensure_demo(args.distractors, seed=5)  # none by default: only the migrations
        asyncio.run(quality(args.labelled, args.distractors, args.housing_ombudsman))


if __name__ == "__main__":
    main()
