"""Systemic work on the web: similar cases (case page and intake), systemic issues and their cohorts.

Thin: every change is ``systemic.issues``'s (dismissing a suggestion is ``systemic.suggestions``'s),
every read ``systemic.issue_queries``'s or ``systemic.panel``'s. htmx posts get the page's block
back (errors inline); plain posts redirect after success, or answer the whole page with its errors
(400), so everything works without JavaScript.

Who may do what:
- everyone on the staff sees the similar cases of a case they may open, the list of systemic
  issues and each issue's page (need-to-know still hides restricted cases on them);
- case workers (investigators, managers, administrators) say "not similar", link cases to an
  issue or start one from the similar-cases panel, link and unlink cases on an issue's page, and
  see similar cases at intake (intake is theirs);
- cohorts of others affected are case work and compliance work: investigators and compliance
  officers (and managers, administrators) open cohorts, tie them to the "review of others affected"
  recommendation and record what each body reports;
- managers and administrators (oversight) start own-initiative issues (no complaint: a decision
  for the Ombudsman's management), and change an issue's status and owner.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Awaitable, Callable

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Controller, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from investigations.casework_routes import case_url
from investigations.queries import CaseNotFound, get_case, viewer_for
from systemic import forms
from systemic.cohorts import COUNTS, LABELS
from systemic.issue_queries import all_bodies, issue_file, issue_list, owners
from systemic.issues import (
    STATUSES, IssueError, IssueNotFound, change_owner, change_status, create_issue, link_case, link_cases,
    link_cohort_recommendation, open_cohort, record_cohort_update, unlink_case,
)
from systemic.panel import case_panel, intake_panel
from systemic.suggestions import dismiss
from workbench.forms import Errors, form_dict, integer, text, value, values, whole_number
from workbench.roles import ALL_STAFF, CASEWORK, COMPLIANCE, OVERSIGHT, Role
from workbench.templating import is_fragment_request, render

ISSUE_TEMPLATE = "systemic/issue.html"
ISSUE_BLOCK = "issue_main"
SIMILAR_TEMPLATE = "systemic/similar.html"
SIMILAR_BLOCK = "similar_panel"
COHORT_WORK = CASEWORK | COMPLIANCE


def issue_url(issue_id: int) -> str:
    return f"/systemic/{issue_id}"


async def _form(request: HTMXRequest) -> dict[str, Any]:
    return form_dict((await request.form()).multi_items())


def _typed(form: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in form.items() if k != "_csrf_token"}


def _role(request: HTMXRequest) -> Role:
    return Role(request.user.role)


async def _case(request: HTMXRequest, reference: str) -> dict[str, Any]:
    try:
        return await get_case(viewer_for(request.user), reference)
    except CaseNotFound:
        raise NotFoundException(f"No case {reference}") from None


# ---------------------------------------------------------------------------------------------
# Similar cases on a case page


async def similar_panel(request: HTMXRequest, reference: str, errors: dict[str, str] | None = None,
                        failed: str = "", typed: dict[str, Any] | None = None,
                        linked: dict[str, Any] | None = None) -> HTMXBlockTemplate:
    try:
        context = await case_panel(viewer_for(request.user), reference)
    except CaseNotFound:
        raise NotFoundException(f"No case {reference}") from None
    role = _role(request)
    shown = {f"{kind}-{s['reference']}" for s in context["suggestions"] for kind in ("dismiss", "link")}
    failed = failed if failed in shown else ""  # a suggestion no longer listed: the errors go to the top
    context.update(errors=errors or {}, failed=failed, typed=typed or {}, linked=linked,
                   can_link=role in CASEWORK, url=case_url(context["case"]["reference"]))
    status = 400 if errors and not is_fragment_request(request) else 200
    return render(request, SIMILAR_TEMPLATE, context, block=SIMILAR_BLOCK, status_code=status)


class SimilarCasesController(Controller):
    path = "/cases/{reference:str}/similar"
    opt = {"roles": CASEWORK}

    @get("/", name="case-similar", opt={"roles": ALL_STAFF})
    async def show(self, request: HTMXRequest, reference: FromPath[str]) -> HTMXBlockTemplate:
        return await similar_panel(request, reference)

    @post("/dismiss", name="case-similar-dismiss")
    async def dismiss_suggestion(self, request: HTMXRequest, reference: FromPath[str]) -> HTMXBlockTemplate | Redirect:
        case, form = await _case(request, reference), await _form(request)
        errors = Errors()
        other = value(form, "other")
        reason = text(form, "reason", errors, "the reason", max_length=2000)
        if not other:
            errors.add("other", "Choose the suggested case that is not similar")
        if not errors:
            try:
                await dismiss(case, other, reason, request.user)
            except CaseNotFound:
                errors.add("other", f"There is no case {other} to dismiss")
        if errors:
            return await similar_panel(request, reference, errors=errors, failed=f"dismiss-{other}", typed=_typed(form))
        if is_fragment_request(request):
            return await similar_panel(request, reference)
        return Redirect(case_url(case["reference"]) + "/similar", status_code=303)

    @post("/link", name="case-similar-link")
    async def link(self, request: HTMXRequest, reference: FromPath[str]) -> HTMXBlockTemplate | Redirect:
        """Bundle this case and a suggestion into a systemic issue: an open one, or a new one."""
        case, form = await _case(request, reference), await _form(request)
        errors = Errors()
        other_reference = value(form, "other")
        failed = f"link-{other_reference}"
        other = None
        if not other_reference:
            errors.add("other", "Choose the suggested case to link")
        else:
            try:
                other = await get_case(viewer_for(request.user), other_reference)
            except CaseNotFound:
                errors.add("other", f"There is no case {other_reference}")
        choice = value(form, "issue")
        issue_id = None
        if choice == "new":
            title = text(form, "title", errors, "a title for the new systemic issue", required=True, max_length=200)
        elif choice:
            issue_id = integer(form, "issue", errors, "the systemic issue", minimum=1, maximum=2_000_000_000)
        else:
            errors.add("issue", "Choose a systemic issue, or start a new one")
        if not errors and other is not None:
            try:
                if issue_id is None:
                    issue_id = await create_issue(title, value(form, "description"), request.user, cases=[case, other],
                                                  note=f"Similar cases {case['reference']} and {other['reference']}")
                else:
                    await link_cases(issue_id, [case, other], request.user,
                                     note=f"Similar to {other['reference'] if other else ''}")
            except IssueNotFound:
                errors.add("issue", "That systemic issue no longer exists")
            except IssueError as refused:
                errors.add("title" if refused.field == "title" else "issue", refused.message)
        if errors:
            return await similar_panel(request, reference, errors=errors, failed=failed, typed=_typed(form))
        if is_fragment_request(request):
            return await similar_panel(request, reference, linked={"id": issue_id, "other": other["reference"]})
        return Redirect(issue_url(issue_id), status_code=303)


@get("/cases/new/similar", name="intake-similar", opt={"roles": CASEWORK})
async def intake_similar(request: HTMXRequest) -> Template:
    """"Similar cases already with us" while a complaint is typed in at intake."""
    params = request.query_params
    subcategory = integer({"s": params.get("subcategory", "")}, "s", Errors(), "subcategory")
    body_ids = [n for b in values({"b": params.getall("body_id", [])}, "b") if (n := whole_number(b)) is not None][:10]
    summary = (params.get("summary") or "")[:5000]
    context = await intake_panel(viewer_for(request.user), summary, subcategory, body_ids)
    return Template("systemic/_intake_similar.html", context=context, headers={"Vary": "HX-Request"})


# ---------------------------------------------------------------------------------------------
# Systemic issues


async def issue_page(request: HTMXRequest, issue_id: int, errors: dict[str, str] | None = None, failed: str = "",
                     typed: dict[str, Any] | None = None) -> HTMXBlockTemplate:
    try:
        context = await issue_file(viewer_for(request.user), issue_id)
    except IssueNotFound:
        raise NotFoundException(f"No systemic issue {issue_id}") from None
    role = _role(request)
    context.update(
        errors=errors or {}, failed=failed, typed=typed or {}, statuses=STATUSES, counts=COUNTS, labels=LABELS,
        can_link=role in CASEWORK, can_manage=role in OVERSIGHT, can_cohort=role in COHORT_WORK,
        today=date.today(),
    )
    if context["can_manage"]:
        context["owners"] = await owners()
    if context["can_cohort"]:
        context["all_bodies"] = await all_bodies()
    status = 400 if errors and not is_fragment_request(request) else 200
    return render(request, ISSUE_TEMPLATE, context, block=ISSUE_BLOCK, status_code=status)


Action = Callable[[], Awaitable[Any]]


async def _run(request: HTMXRequest, issue_id: int, action: Action, failed: str, form: dict[str, Any],
               fields: dict[str, str] | None = None) -> HTMXBlockTemplate | Redirect:
    """Run one change; a refusal re-renders the issue page with the message on the form it came from."""
    try:
        await action()
    except IssueNotFound:
        raise NotFoundException(f"No systemic issue {issue_id}") from None
    except IssueError as refused:
        key = (fields or {}).get(refused.field, refused.field or "form")
        return await issue_page(request, issue_id, errors={key: refused.message}, failed=failed, typed=_typed(form))
    if is_fragment_request(request):
        return await issue_page(request, issue_id)
    return Redirect(issue_url(issue_id), status_code=303)


class SystemicIssuesController(Controller):
    path = "/systemic"
    opt = {"roles": ALL_STAFF}

    @get("/", name="systemic-issues")
    async def index(self, request: HTMXRequest) -> HTMXBlockTemplate:
        status = request.query_params.get("status", "open")
        if status not in STATUSES and status != "all":
            status = "open"
        context = await issue_list(viewer_for(request.user), status)
        context.update(status=status, statuses=STATUSES, can_create=_role(request) in OVERSIGHT)
        return render(request, "systemic/issues.html", context, block="issue_list")

    @get("/new", name="systemic-new", opt={"roles": OVERSIGHT})
    async def new(self, request: HTMXRequest) -> HTMXBlockTemplate:
        return render(request, "systemic/new.html", {"form": {"owner": str(request.user.id)}, "errors": {},
                                                      "owners": await owners()})

    @post("/new", name="systemic-create", opt={"roles": OVERSIGHT})
    async def create(self, request: HTMXRequest) -> HTMXBlockTemplate | Redirect:
        form = await _form(request)
        errors = Errors()
        fields = forms.issue_fields(form, errors)
        if not errors:
            try:
                issue_id = await create_issue(fields["title"], fields["description"], request.user,
                                              owner_id=fields["owner_id"])
            except IssueError as refused:
                errors.add(refused.field or "title", refused.message)
        if errors:
            return render(request, "systemic/new.html", {"form": _typed(form), "errors": errors, "owners": await owners()},
                          status_code=400)
        return Redirect(issue_url(issue_id), status_code=303)

    @get("/{issue_id:int}", name="systemic-issue")
    async def show(self, request: HTMXRequest, issue_id: FromPath[int]) -> HTMXBlockTemplate:
        return await issue_page(request, issue_id)

    @post("/{issue_id:int}/status", name="systemic-status", opt={"roles": OVERSIGHT})
    async def move(self, request: HTMXRequest, issue_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        form = await _form(request)
        return await _run(request, issue_id, lambda: change_status(
            issue_id, value(form, "status"), request.user, forms.version(form), value(form, "reason")), "status", form,
            {"version": "status"})

    @post("/{issue_id:int}/owner", name="systemic-owner", opt={"roles": OVERSIGHT})
    async def reassign(self, request: HTMXRequest, issue_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        form = await _form(request)
        errors = Errors()
        owner_id = forms.optional_id(form, "owner", errors, "the owner")
        if owner_id is None and not errors:
            errors.add("owner", "Choose the new owner")
        if errors:
            return await issue_page(request, issue_id, errors=errors, failed="owner", typed=_typed(form))
        return await _run(request, issue_id, lambda: change_owner(issue_id, owner_id, request.user, forms.version(form)),
                          "owner", form, {"version": "owner"})

    async def _linked_case(self, request: HTMXRequest, issue_id: int, form: dict[str, Any], failed: str):
        """The case typed on the form, if the viewer may see it; otherwise the page with the error."""
        reference = value(form, "case")
        if not reference:
            return None, await issue_page(request, issue_id, errors={"case": "Enter the reference of the case"},
                                          failed=failed, typed=_typed(form))
        try:
            return await get_case(viewer_for(request.user), reference), None
        except CaseNotFound:
            return None, await issue_page(request, issue_id, errors={"case": f"There is no case {reference}"},
                                          failed=failed, typed=_typed(form))

    @post("/{issue_id:int}/cases", name="systemic-link-case", opt={"roles": CASEWORK})
    async def add_case(self, request: HTMXRequest, issue_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        form = await _form(request)
        case, refused = await self._linked_case(request, issue_id, form, "link")
        if refused is not None:
            return refused

        async def action() -> None:
            if not await link_case(issue_id, case, request.user, value(form, "note")):
                raise IssueError(f"Case {case['reference']} is already part of this systemic issue", "case")

        return await _run(request, issue_id, action, "link", form)

    @post("/{issue_id:int}/cases/remove", name="systemic-unlink-case", opt={"roles": CASEWORK})
    async def remove_case(self, request: HTMXRequest, issue_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        form = await _form(request)
        case, refused = await self._linked_case(request, issue_id, form, "unlink")
        if refused is not None:
            return refused
        return await _run(request, issue_id, lambda: unlink_case(issue_id, case, request.user, value(form, "reason")),
                          "unlink", form)

    @post("/{issue_id:int}/cohorts", name="systemic-open-cohort", opt={"roles": COHORT_WORK})
    async def start_cohort(self, request: HTMXRequest, issue_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        form = await _form(request)
        errors = Errors()
        body_id = forms.optional_id(form, "body", errors, "the body")
        recommendation_id = forms.optional_id(form, "recommendation", errors, "the recommendation")
        if body_id is None and "body" not in errors:
            errors.add("body", "Choose the body whose others affected you are following")
        if errors:
            return await issue_page(request, issue_id, errors=errors, failed="cohort", typed=_typed(form))
        return await _run(request, issue_id, lambda: open_cohort(issue_id, body_id, request.user, recommendation_id),
                          "cohort", form)

    @post("/{issue_id:int}/cohorts/{cohort_id:int}/updates", name="systemic-cohort-update", opt={"roles": COHORT_WORK})
    async def cohort_update(self, request: HTMXRequest, issue_id: FromPath[int],
                            cohort_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        form = await _form(request)
        errors = Errors()
        report = forms.cohort_report(form, errors, date.today())
        failed = f"update-{cohort_id}"
        if report is None:
            return await issue_page(request, issue_id, errors=errors, failed=failed, typed=_typed(form))
        return await _run(request, issue_id, lambda: record_cohort_update(
            cohort_id, report.figures, report.reported_on, request.user, report.note, issue_id=issue_id), failed, form)

    @post("/{issue_id:int}/cohorts/{cohort_id:int}/recommendation", name="systemic-cohort-recommendation",
          opt={"roles": COHORT_WORK})
    async def cohort_recommendation(self, request: HTMXRequest, issue_id: FromPath[int],
                                    cohort_id: FromPath[int]) -> HTMXBlockTemplate | Redirect:
        form = await _form(request)
        errors = Errors()
        recommendation_id = forms.optional_id(form, "recommendation", errors, "the recommendation")
        failed = f"follow-{cohort_id}"
        if recommendation_id is None:
            errors.add("recommendation", "Choose the recommendation to review others affected")
            return await issue_page(request, issue_id, errors=errors, failed=failed, typed=_typed(form))
        return await _run(request, issue_id, lambda: link_cohort_recommendation(
            cohort_id, recommendation_id, request.user, issue_id=issue_id), failed, form)


HANDLERS = [SimilarCasesController, intake_similar, SystemicIssuesController]
