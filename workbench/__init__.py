"""Ombudsman Workbench: the application shell (settings, database, auth, audit, scheduler, CLI)."""

import os

# Piccolo finds its engine and app registry through this module path; every entry point
# (the CLI, the ASGI app, the tests) imports this package first.
os.environ.setdefault("PICCOLO_CONF", "workbench.piccolo_conf")
