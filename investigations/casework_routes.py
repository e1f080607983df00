"""The case page's actions: each posts a small form and gets the case body back, swapped in place.

htmx requests get the ``case_body`` block (200, errors shown inline); plain form posts get a
redirect after success, or the full page with errors (400) — so the page works without JavaScript.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Controller, get, post
from litestar.response import Template
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect

from investigations.casefile import load_case_file
from investigations.casework import (
    CaseConflict, CaseworkError, add_enquiry, add_note, assign_investigator, extend_enquiry,
    record_enquiry_response, save_finding, transition_case, update_details,
)
from investigations.documents import panel_context
from investigations.duplicates import linked_cases
from investigations.lifecycle import CareFunding, Outcome, Stage
from investigations.queries import CaseNotFound, viewer_for
from investigations.reference_data import ncmg_standards_by_code
from investigations.transitions import TransitionError, TransitionRequest
from remedies.casefile import case_recommendations
from workbench.forms import Errors, form_dict, flag, integer, parse_date, text, value, values
from workbench.roles import ALL_STAFF, CASEWORK, Role
from workbench.templating import is_fragment_request, render


def case_url(reference: str) -> str:
    return "/cases/" + reference.replace(" ", "-")


async def case_page(request: HTMXRequest, reference: str, errors: dict[str, Any] | None = None,
                    editing: str = "", conflict: CaseConflict | None = None, created: bool = False,
                    recommendation_form: dict[str, Any] | None = None) -> HTMXBlockTemplate:
    try:
        context = await load_case_file(viewer_for(request.user), reference)
    except CaseNotFound:
        raise NotFoundException(f"No case {reference}") from None
    context.update(errors=errors or {}, editing=editing, conflict=conflict, created=created,
                   can_edit=Role(request.user.role) in CASEWORK)
    context.update(await panel_context(context["case"], request.user.role))
    context.update(await case_recommendations(context["case"], request.user.role, recommendation_form,
                                              (errors or {}).get("recommendation")))
    failed = bool(errors or conflict)
    status = 400 if failed and not is_fragment_request(request) else 200
    headers = {} if failed else {"HX-Trigger": "case-changed"}
    return render(request, "investigations/case_detail.html", context, block="case_body", status_code=status, headers=headers)


async def _form(request: HTMXRequest) -> dict[str, Any]:
    return form_dict((await request.form()).multi_items())


async def _case(request: HTMXRequest, reference: str) -> dict[str, Any]:
    try:
        return (await load_case_file(viewer_for(request.user), reference))["case"]
    except CaseNotFound:
        raise NotFoundException(f"No case {reference}") from None


def _version(form: dict[str, Any]) -> int:
    return integer(form, "version", Errors(), "version") or 0


async def _done(request: HTMXRequest, reference: str) -> HTMXBlockTemplate | Redirect:
    if is_fragment_request(request):
        return await case_page(request, reference)
    return Redirect(case_url(reference))


class CaseworkController(Controller):
    path = "/cases/{reference:str}"
    opt = {"roles": CASEWORK}

    async def _run(self, request: HTMXRequest, reference: str, action, panel: str) -> HTMXBlockTemplate | Redirect:
        """Run one change; turn refusals into inline errors on the panel they came from."""
        try:
            await action()
        except (TransitionError, CaseworkError) as exc:
            return await case_page(request, reference, errors={panel: str(exc), f"{panel}_field": exc.field})
        except CaseConflict as conflict:
            return await case_page(request, reference, conflict=conflict)
        return await _done(request, reference)

    @get("/linked", name="case-linked", opt={"roles": ALL_STAFF})
    async def linked(self, request: HTMXRequest, reference: FromPath[str]) -> Template:
        case = await _case(request, reference)
        return Template("investigations/_linked.html", context={"linked": await linked_cases(case["id"])})

    @post("/transitions", name="case-transition")
    async def transition(self, request: HTMXRequest, reference: FromPath[str]) -> HTMXBlockTemplate | Redirect:
        case, form = await _case(request, reference), await _form(request)
        errors = Errors()
        target = value(form, "target")
        outcome = value(form, "outcome")
        if target not in Stage.__members__.values():
            return await case_page(request, reference, errors={"transition": "Choose the stage to move the case to"})
        transition = TransitionRequest(
            target=Stage(target),
            reason=text(form, "reason", errors, "a reason", max_length=5000),
            outcome=Outcome(outcome) if outcome in Outcome.__members__.values() else None,
            decided_on=parse_date(form, "decided_on", errors, "the decision date", date.today()),
            comments_due_on=parse_date(form, "comments_due_on", errors, "the comments deadline", date.today(), allow_future=True),
            closure_reason=value(form, "closure_reason"),
        )
        if errors:
            return await case_page(request, reference, errors={"transition": next(iter(errors.values()))})
        return await self._run(request, reference, lambda: transition_case(case, _version(form), transition, request.user), "transition")

    @post("/details", name="case-details")
    async def details(self, request: HTMXRequest, reference: FromPath[str]) -> HTMXBlockTemplate | Redirect:
        case, form = await _case(request, reference), await _form(request)
        errors = Errors()
        changes = {
            "summary": text(form, "summary", errors, "what went wrong", required=True),
            "outcome_wanted": text(form, "outcome_wanted", errors, "the outcome wanted"),
            "first_aware_on": parse_date(form, "first_aware_on", errors, "the date they first knew", date.today()),
            "care_funding": value(form, "care_funding") if value(form, "care_funding") in {c.value for c in CareFunding} else "",
            "urgent": flag(form, "urgent"),
            "restricted": flag(form, "restricted"),
            "joint_with_phso": flag(form, "joint_with_phso"),
        }
        if changes["first_aware_on"] and changes["first_aware_on"] > case["received_on"]:
            errors.add("first_aware_on", "The date they first knew cannot be after the complaint was received")
        if errors:
            return await case_page(request, reference, errors={"details": next(iter(errors.values())), **errors}, editing="details")
        return await self._run(request, reference, lambda: update_details(case, _version(form), changes, request.user), "details")

    @post("/assign", name="case-assign")
    async def assign(self, request: HTMXRequest, reference: FromPath[str]) -> HTMXBlockTemplate | Redirect:
        case, form = await _case(request, reference), await _form(request)
        investigator = integer(form, "investigator", Errors(), "investigator")
        return await self._run(request, reference, lambda: assign_investigator(case, _version(form), investigator, request.user), "assign")

    @post("/notes", name="case-note")
    async def note(self, request: HTMXRequest, reference: FromPath[str]) -> HTMXBlockTemplate | Redirect:
        case, form = await _case(request, reference), await _form(request)
        return await self._run(request, reference, lambda: add_note(case, value(form, "note"), request.user), "note")

    @post("/enquiries", name="case-enquiry")
    async def enquiry(self, request: HTMXRequest, reference: FromPath[str]) -> HTMXBlockTemplate | Redirect:
        case, form = await _case(request, reference), await _form(request)
        errors = Errors()
        body_id = integer(form, "enquiry_body", errors, "the body") or 0
        days = integer(form, "enquiry_days", errors, "the number of working days", minimum=1, maximum=120) or 0
        if errors:
            return await case_page(request, reference, errors={"enquiry": next(iter(errors.values()))})
        return await self._run(request, reference,
                               lambda: add_enquiry(case, body_id, value(form, "enquiry_description"), days, request.user), "enquiry")

    @post("/enquiries/{enquiry_id:int}/response", name="case-enquiry-response")
    async def enquiry_response(self, request: HTMXRequest, reference: FromPath[str], enquiry_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        case, form = await _case(request, reference), await _form(request)
        errors = Errors()
        responded = parse_date(form, "responded_on", errors, "the response date", date.today(), required=True)
        if responded is None:
            return await case_page(request, reference, errors={f"enquiry_{enquiry_id}": next(iter(errors.values()))})
        return await self._run(request, reference,
                               lambda: record_enquiry_response(case, enquiry_id, responded, value(form, "response_summary"), request.user),
                               f"enquiry_{enquiry_id}")

    @post("/enquiries/{enquiry_id:int}/extension", name="case-enquiry-extension")
    async def enquiry_extension(self, request: HTMXRequest, reference: FromPath[str], enquiry_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        case, form = await _case(request, reference), await _form(request)
        errors = Errors()
        new_due = parse_date(form, "new_due_on", errors, "the new due date", date.today(), required=True, allow_future=True)
        if new_due is None:
            return await case_page(request, reference, errors={f"enquiry_{enquiry_id}": next(iter(errors.values()))})
        return await self._run(request, reference,
                               lambda: extend_enquiry(case, enquiry_id, new_due, value(form, "extension_reason"), request.user),
                               f"enquiry_{enquiry_id}")

    @post("/findings/{body_id:int}", name="case-finding")
    async def finding(self, request: HTMXRequest, reference: FromPath[str], body_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        case, form = await _case(request, reference), await _form(request)
        fault, injustice = value(form, "fault") == "yes", value(form, "injustice") == "yes"
        if value(form, "fault") not in ("yes", "no"):
            return await case_page(request, reference, errors={f"finding_{body_id}": "Say whether there was fault"})
        return await self._run(
            request, reference,
            lambda: save_finding(case, body_id, fault, injustice, value(form, "description"), values(form, "standards"),
                                 set(ncmg_standards_by_code()), request.user),
            f"finding_{body_id}",
        )
