"""The new-complaint form, its body type-ahead, and the API's POST /api/cases."""

from __future__ import annotations

from datetime import date
from typing import Any

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Controller, Request, get, post
from litestar.exceptions import ValidationException
from litestar.params import FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from investigations.body_search import rank_bodies
from investigations.queries import body_candidates
from investigations.intake import PROCEDURES, IntakeChoices, SubcategoryChoice, create_case, parse_intake
from investigations.lifecycle import CareFunding
from investigations.tables import Body, Subcategory
from workbench.forms import form_dict
from workbench.roles import CASEWORK
from workbench.templating import render


async def load_choices() -> IntakeChoices:
    subs = await Subcategory.select(
        Subcategory.id, Subcategory.name, Subcategory.category.id.as_alias("category_id"),
        Subcategory.category.name.as_alias("category_name"), Subcategory.category.slug.as_alias("category_slug"),
    ).order_by(Subcategory.category.name).order_by(Subcategory.name)
    return IntakeChoices(
        bodies=await body_candidates(),
        subcategories=[SubcategoryChoice(s["id"], s["category_id"], s["name"], s["category_name"], s["category_slug"]) for s in subs],
    )


def form_context(choices: IntakeChoices, form: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    groups: dict[str, list[SubcategoryChoice]] = {}
    for sub in choices.subcategories:
        groups.setdefault(sub.category_name, []).append(sub)
    return {
        "form": form, "errors": errors, "groups": groups, "procedures": PROCEDURES,
        "chosen_bodies": choices.chosen_bodies, "today": date.today(),
        "care_funding": [("", "Not about adult care / not known")] + [(c.value, c.label) for c in CareFunding],
    }


class IntakeController(Controller):
    path = "/cases/new"
    opt = {"roles": CASEWORK}

    @get("/", name="intake-form")
    async def form(self, request: HTMXRequest) -> HTMXBlockTemplate:
        choices = await load_choices()
        return render(request, "investigations/intake.html", form_context(choices, {"affected_same": "on"}, {}))

    @post("/", name="intake-submit")
    async def submit(self, request: HTMXRequest) -> HTMXBlockTemplate | Redirect:
        form = form_dict((await request.form()).multi_items())
        choices = await load_choices()
        data, errors = parse_intake(form, choices, date.today())
        if data is None:
            return render(request, "investigations/intake.html", form_context(choices, form, errors), status_code=400)
        reference = await create_case(data, request.user)
        return Redirect(f"/cases/{reference.replace(' ', '-')}?created=true")

    @get("/bodies", name="intake-body-suggestions")
    async def body_suggestions(self, request: HTMXRequest, body_query: FromQuery[str] = "") -> Template:
        matches = rank_bodies(body_query[:200], await body_candidates(), limit=8)
        return Template("investigations/_body_suggestions.html", context={"matches": matches, "query": body_query})

    @get("/body-chip", name="intake-body-chip")
    async def body_chip(self, request: HTMXRequest, body_id: FromQuery[int]) -> Template:
        body = await Body.select(Body.id, Body.name).where(Body.id == body_id).first()
        if body is None:
            raise ValidationException("Unknown body")
        return Template("investigations/_body_chip.html", context={"body": body})


async def api_create_case(request: Request, data: dict[str, Any]) -> dict[str, Any]:
    """Takes the intake form's field names as JSON; ``bodies`` may list body ids or names."""
    form = dict(data)
    bodies = form.pop("bodies", None)
    if isinstance(bodies, list):
        form["body_id"] = [str(b) for b in bodies if isinstance(b, int)]
        names = [b for b in bodies if isinstance(b, str)]
        if names and not form["body_id"]:
            form["body_query"] = names[0]
    choices = await load_choices()
    parsed, errors = parse_intake(form, choices, date.today())
    if parsed is None:
        raise ValidationException("The case was not created: correct the fields listed", extra=errors)
    reference = await create_case(parsed, request.user)
    return {"reference": reference}
