"""Outbox: every message to a customer goes back on their own channel (R5.1).
Owns the decision where one pending reply may go (channel windows, fallbacks) and the dispatcher
that sends it and records the outcome."""
