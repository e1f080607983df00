"""Demo inputs without a database: the real taxonomy, and made-up ids for bodies and staff."""

from investigations.demo import DemoInputs
from investigations.reference_data import load_taxonomy


def offline_demo_inputs() -> DemoInputs:
    """What ``load_demo`` reads from the database, for tests of the pure plan."""
    taxonomy = load_taxonomy()
    categories, subcategories, next_id = {}, {}, 1
    for index, category in enumerate(taxonomy.categories, start=1):
        categories[category.slug] = index
        subcategories[index] = []
        for sub in category.subcategories:
            subcategories[index].append((next_id, f"{category.slug}/{sub.slug}"))
            next_id += 1
    return DemoInputs(
        categories=categories, subcategories=subcategories, councils=list(range(1, 300)),
        providers=list(range(300, 330)), nhs=list(range(330, 350)), investigators=[1, 2, 3], counters={},
    )
