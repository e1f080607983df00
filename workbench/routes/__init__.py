"""The shell's web routes: sign-in, the role dashboards, the audit log, and the account API."""
