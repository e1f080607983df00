"""Load the reference data (taxonomy, bodies in jurisdiction) into the database.

Idempotent: run at every ``workbench migrate``; existing rows are matched by slug or name and
updated, new ones added, nothing deleted (cases refer to them).
"""

from __future__ import annotations

import json

from investigations.reference_data import load_bodies, load_taxonomy
from investigations.tables import Body, Category, Subcategory
from workbench.db import write_transaction


async def seed_taxonomy() -> int:
    taxonomy = load_taxonomy()
    added = 0
    async with write_transaction():
        existing = {row["slug"]: row["id"] for row in await Category.select(Category.id, Category.slug)}
        subs = {row["slug"] for row in await Subcategory.select(Subcategory.slug)}
        for category in taxonomy.categories:
            category_id = existing.get(category.slug)
            if category_id is None:
                row = Category(name=category.name, slug=category.slug, service_area=category.service_area)
                await row.save()
                category_id = row.id
                added += 1
            else:
                await Category.update(
                    {Category.name: category.name, Category.service_area: category.service_area}
                ).where(Category.id == category_id)
            for sub in category.subcategories:
                slug = f"{category.slug}/{sub.slug}"
                if slug not in subs:
                    await Subcategory(category=category_id, name=sub.name, slug=slug).save()
                    added += 1
    return added


async def seed_bodies() -> int:
    records = load_bodies()
    async with write_transaction():
        known = {row["name"] for row in await Body.select(Body.name)}
        new = [
            Body(
                name=r.name,
                aliases=json.dumps(list(r.aliases)),
                body_type=r.body_type,
                region=r.region,
                population=r.population,
                active=True,
            )
            for r in records
            if r.name not in known
        ]
        if new:
            await Body.insert(*new)
    return len(new)


async def seed_reference_data() -> dict[str, int]:
    return {"taxonomy": await seed_taxonomy(), "bodies": await seed_bodies()}
