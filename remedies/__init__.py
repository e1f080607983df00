"""Remedies: recommendations, their deadlines, evidence of compliance and the chase ladder."""
