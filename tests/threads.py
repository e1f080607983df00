"""Which thread did the work: tests that CPU-heavy steps run off the event loop's thread."""

from __future__ import annotations

import threading
from typing import Any


def record_thread(monkeypatch: Any, owner: Any, name: str, threads: dict[str, int], key: str) -> None:
    """Wrap ``owner.name`` so that each call notes in ``threads[key]`` the thread it ran on."""
    real = getattr(owner, name)

    def recording(*args: Any, **kwargs: Any) -> Any:
        threads[key] = threading.get_ident()
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
