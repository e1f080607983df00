"""Candidate groups strongest first (systemic.strength): the real patterns before groups merely worded alike."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from investigations.tables import Finding
from systemic.strength import Strength, group_strength, strongest_first
from systemic.tables import CandidateGroup, ScanRun
from tests.remedies import factories

# ---------------------------------------------------------------------------------------------
# Pure


def test_upheld_cases_count_more_than_size_or_likeness():
    planted = group_strength(size=4, faults=4, fault_bodies=4, cohesion=58)  # the fault found on all, at 4 bodies
    worded_alike = group_strength(size=14, faults=4, fault_bodies=4, cohesion=60)  # as many upheld, among 14
    few_upheld = group_strength(size=3, faults=3, fault_bodies=3, cohesion=62)
    assert planted.value > few_upheld.value > worded_alike.value


def test_one_body_with_the_fault_found_again_and_again_still_ranks_high():
    repeat = group_strength(size=4, faults=4, fault_bodies=1, cohesion=64)
    chance = group_strength(size=3, faults=3, fault_bodies=3, cohesion=56)
    assert repeat.value > chance.value


def test_more_bodies_add_a_little_and_stop_adding_after_six():
    one, three, six, nine = (group_strength(5, 5, bodies, 60).value for bodies in (1, 3, 6, 9))
    assert one < three < six == nine
    assert six <= 1.5 * one + 1


def test_the_reasons_say_what_the_strength_is_made_of():
    strength = group_strength(size=5, faults=4, fault_bodies=3, cohesion=61)
    assert strength.reasons == ("Fault found on 4 of 5 cases", "Fault found at 3 bodies",
                                "Cases alike at 61 out of 100 on average")
    assert group_strength(1, 1, 1, 70).reasons[:2] == ("Fault found on 1 of 1 case", "Fault found at 1 body")


def test_no_fault_found_is_no_strength():
    assert group_strength(size=6, faults=0, fault_bodies=0, cohesion=90).value == 0


def test_strongest_first_breaks_ties_in_the_order_given():
    values = {"a": 5, "b": 9, "c": 5, "d": 1}
    ordered = strongest_first(values, lambda k: Strength(values[k], ()), lambda k: (-ord(k),))
    assert ordered == ["b", "c", "a", "d"]


# ---------------------------------------------------------------------------------------------
# The review page


async def _group(scan_id: int, title: str, cases: list[dict], score: int, found_at: datetime) -> int:
    group = CandidateGroup(kind="across_bodies", signature=title, case_ids=[c["id"] for c in cases],
                           body_ids=sorted({c["body_id"] for c in cases}), title=title, reasons=["Planted"],
                           score=score, found_at=found_at, scan=scan_id)
    await group.save()
    return group.id


async def _three_groups() -> None:
    """Alike but mostly not upheld (high score, big); the same fault upheld at four bodies; and three
    upheld cases at one body found most recently."""
    now = datetime.now(timezone.utc)
    scan = ScanRun(started_at=now, finished_at=now, status="finished", period_start=date(2025, 7, 1),
                   period_end=date(2026, 6, 30), detail="Strength test")
    await scan.save()
    councils = ["Hampshire County Council", "Essex County Council", "Kent County Council", "Surrey County Council"]
    alike = [await factories.decided_case(body=councils[i % 4]) for i in range(8)]
    await Finding.update({Finding.fault: False, Finding.injustice: False}).where(
        Finding.case.is_in([c["id"] for c in alike[2:]]))  # fault found on two of the eight
    upheld = [await factories.decided_case(body=body) for body in councils]
    repeat = [await factories.decided_case(body=councils[0]) for _ in range(3)]
    await _group(scan.id, "Worded alike", alike, 80, now - timedelta(days=2))
    await _group(scan.id, "Upheld at four bodies", upheld, 58, now - timedelta(days=1))
    await _group(scan.id, "Repeat at Hampshire", repeat, 62, now)


def test_the_review_page_shows_the_strongest_groups_first_with_their_reasons(client, run):
    run(_three_groups())
    client.sign_in_as("manager")
    page = client.get("/systemic/candidates")
    assert page.status_code == 200
    titles = re.findall(r'<h3 class="govuk-summary-card__title">([^<]+)</h3>', page.text)
    assert titles == ["Upheld at four bodies", "Repeat at Hampshire", "Worded alike"]
    assert "Fault found on 4 of 4 cases" in page.text and "Fault found at 4 bodies" in page.text
    assert "Fault found on 2 of 8 cases" in page.text
    strengths = [int(s) for s in re.findall(r'data-testid="strength">(\d+)', page.text)]
    assert strengths == sorted(strengths, reverse=True) and strengths[-1] > 0


def test_pages_follow_the_strength_order(client, run, monkeypatch):
    from systemic import scan_routes

    monkeypatch.setattr(scan_routes, "PAGE_SIZE", 2)
    run(_three_groups())
    client.sign_in_as("manager")
    first = client.get("/systemic/candidates").text
    second = client.get("/systemic/candidates?page=2").text
    titles = re.compile(r'<h3 class="govuk-summary-card__title">([^<]+)</h3>')
    assert titles.findall(first) == ["Upheld at four bodies", "Repeat at Hampshire"]
    assert titles.findall(second) == ["Worded alike"]
    assert "Awaiting review (3)" in first and "Awaiting review (3)" in second
