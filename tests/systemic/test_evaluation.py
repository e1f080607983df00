"""The similar-cases ranking against the labelled set, through the real importer and database:
it must keep a floor and beat the TF-IDF baseline (the issue's bar), on both engines."""

from pathlib import Path

from investigations.importing import import_cases
from systemic.evaluation import baseline_ranker, evaluate, matcher_ranker, precision_at, reciprocal_rank
from systemic.profiles import load_profiles

LABELLED = Path(__file__).resolve().parents[2] / "systemic" / "data" / "labelled_cases.jsonl"


def test_measures():
    assert precision_at([1, 2, 3, 4, 5, 6], {2, 4, 6}) == 0.4
    assert reciprocal_rank([9, 8, 2], {2}) == 1 / 3 and reciprocal_rank([9], {2}) == 0.0


def test_ranking_beats_the_baseline_on_the_labelled_set(run, db):
    import json

    lines = LABELLED.read_text(encoding="utf-8").splitlines()
    report = run(import_cases(lines, None))
    assert report.inserted == len(lines) and not report.rejected
    patterns = {json.loads(line)["reference"]: json.loads(line)["pattern"] for line in lines}
    profiles = run(load_profiles())
    labels = {p.id: patterns[p.reference] for p in profiles}
    ours = evaluate("workbench", profiles, labels, matcher_ranker(profiles))
    baseline = evaluate("baseline", profiles, labels, baseline_ranker(profiles))
    assert ours.queries == baseline.queries >= 140
    assert ours.precision_at_5 >= 0.70, ours.line()
    assert ours.mean_reciprocal_rank >= 0.88, ours.line()
    assert ours.precision_at_5 >= baseline.precision_at_5 + 0.03, (ours.line(), baseline.line())
