"""Intake: one customer message in, recorded exactly once (R1.2) and linked to its customer (R1.3).
Owns the receive path (new inquiry or join an open one) and the inquiries agents record by hand
(phone calls, store visits, R1.1, R8.4)."""
