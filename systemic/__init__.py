"""Systemic: similar cases across bodies and years, fault patterns, remedies for others affected."""
