"""Investigations: complaints from intake to final decision, the bodies they concern, the people in them."""
