"""Supervision: the supervisors' working lists in the console (R3.1).
Owns which inquiries a supervisor must chase: past a deadline, never acknowledged, and resolved but
not yet confirmed by the customer; the thresholds come from the report policy."""
