"""Reading recommendations: the SQL twin of ``remedies.status.derive_status``, and need-to-know.

Status is derived, never stored, so a list filtered by status must say in SQL what
``derive_status`` says in Python. ``status_condition`` is that translation; a test checks the two
agree on every status for every kind of row.
"""

from __future__ import annotations

from datetime import date, timedelta

from piccolo.columns.combination import WhereRaw

from investigations.access import Viewer
from remedies.status import Status
from remedies.tables import Recommendation
from workbench.roles import Role
from workbench.workdays import WorkingDayCalendar

DUE_SOON_WORKING_DAYS = 10


def due_soon_limit(today: date, calendar: WorkingDayCalendar, working_days: int = DUE_SOON_WORKING_DAYS) -> date:
    """The last date that is still "due soon": the day before the (N+1)th working day after today."""
    return calendar.add_working_days(today, working_days + 1).result - timedelta(days=1)


def outstanding():
    """Not yet settled. A literal, not a parameter, so both engines can plan with the partial index
    that holds only these rows (``remedies_recommendation_outstanding_due``)."""
    return WhereRaw("\"remedies_recommendation\".\"outcome\" = ''")


def status_condition(status: Status, today: date, calendar: WorkingDayCalendar):
    """A Piccolo where-clause selecting the recommendations whose derived status is ``status`` today."""
    if status.is_final:
        return Recommendation.outcome == status.value
    escalated = Recommendation.escalated_on.is_not_null() & (Recommendation.escalated_on <= today)
    not_escalated = Recommendation.escalated_on.is_null() | (Recommendation.escalated_on > today)
    if status is Status.ESCALATED:
        return outstanding() & escalated
    if status is Status.OVERDUE:
        return outstanding() & not_escalated & (Recommendation.due_on < today)
    limit = due_soon_limit(today, calendar)
    if status is Status.DUE_SOON:
        return outstanding() & not_escalated & (Recommendation.due_on >= today) & (Recommendation.due_on <= limit)
    return outstanding() & not_escalated & (Recommendation.due_on > limit)


def visible_recommendations(viewer: Viewer):
    """Hide recommendations on restricted cases from those without need-to-know (as ``get_case`` does);
    None when the viewer sees everything."""
    if viewer.role is Role.ADMINISTRATOR:
        return None
    # Restricted cases are few: exclude those the viewer may not see (an index on restricted).
    return WhereRaw(
        '"remedies_recommendation"."case" NOT IN (SELECT id FROM investigations_case WHERE restricted = true '
        'AND (investigator IS NULL OR (investigator <> {} '
        'AND investigator NOT IN (SELECT id FROM workbench_user WHERE manager = {}))))',
        viewer.user_id,
        viewer.user_id,
    )
