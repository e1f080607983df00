"""Templates: one Jinja environment, and one way to answer with a page or one of its blocks.

htmx asks for a fragment with HX-Request; a history restore also sends HX-Request but needs the
whole page. Any URL that can answer either way says ``Vary: HX-Request`` so caches keep both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar.plugins.htmx import HTMXRequest
from litestar.plugins.jinja import JinjaTemplateEngine as _Engine
from litestar.template.config import TemplateConfig

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def is_fragment_request(request: HTMXRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def render(
    request: HTMXRequest,
    template: str,
    context: dict[str, Any],
    block: str | None = None,
    status_code: int = 200,
    **kwargs: Any,
) -> HTMXBlockTemplate:
    """The full page, or just ``block`` when htmx asked for a fragment."""
    headers = {"Vary": "HX-Request", **kwargs.pop("headers", {})}
    return HTMXBlockTemplate(
        template_name=template,
        block_name=block if block and is_fragment_request(request) else None,
        context=context,
        status_code=status_code,
        headers=headers,
        **kwargs,
    )


def template_config(globals_: dict[str, Any], auto_reload: bool = False) -> TemplateConfig:
    """``auto_reload`` (demo mode) rereads a template whose file changed; otherwise each is compiled
    once per process and never checked again (Jinja stats every template a page uses, every time)."""
    def configure(engine: _Engine) -> None:
        engine.engine.globals.update(globals_)
        engine.engine.trim_blocks = True
        engine.engine.lstrip_blocks = True
        engine.engine.auto_reload = auto_reload

    return TemplateConfig(directory=TEMPLATES_DIR, engine=_Engine, engine_callback=configure)
