"""Triage: what an inquiry is about, how urgent it is and who handles it (R1.4, R1.5, R4.1).
Owns classification, urgency and routing rules (data from the policy) and the peak-time queue
order (R3.5)."""
