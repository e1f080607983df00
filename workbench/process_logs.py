"""Log lines that name their process, so the log of N web workers and a scheduler says who did what.

uvicorn's own format says nothing about which worker answered; with several workers (and the
scheduler leader moving between processes) the pid on every line is what an operator needs.
"""

from __future__ import annotations

import copy
import logging

LINE_FORMAT = "%(asctime)s [pid %(process)d] %(levelname)s %(name)s: %(message)s"


def uvicorn_log_config() -> dict:
    """uvicorn's default logging config with the pid on every line (access lines included)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    for formatter in config["formatters"].values():
        formatter["fmt"] = "[pid %(process)d] " + formatter["fmt"]
    return config


def configure_process_logging(level: int = logging.INFO) -> None:
    """For long-lived commands that are not uvicorn (`workbench scheduler`): timestamps and pids."""
    logging.basicConfig(level=level, format=LINE_FORMAT)
    logging.getLogger("apscheduler.scheduler").setLevel(logging.WARNING)  # "Adding job tentatively" x6; ours lists them
