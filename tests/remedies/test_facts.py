from datetime import date
from decimal import Decimal
from remedies.facts import load_facts
from tests.remedies import factories as f

def test_facts(run, db):
    case = run(f.decided_case(decided_on=date(2026, 1, 5)))
    run(f.recommendation(case, remedy_type="financial_avoidable_distress", amount=Decimal("250.00")))
    facts = run(load_facts())
    assert len(facts) == 1 and facts[0].amount == Decimal("250.00") and facts[0].original_due_on == date(2026, 2, 5)
    assert facts[0].category == "Adult care services" and facts[0].outcome is None
    assert run(load_facts(financial_year=2025)) and not run(load_facts(financial_year=2026))
