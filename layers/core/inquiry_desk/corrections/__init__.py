"""Corrections: wrong content reaches every customer who got it, corrected once (R6.2, R6.3).
Owns the correction record, the affected customers (from the message lineage), one correction and
apology per customer through the outbox, the 1-hour public-content fix deadline and the report."""
