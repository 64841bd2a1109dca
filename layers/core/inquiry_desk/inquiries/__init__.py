"""Inquiries: the lifecycle of one inquiry and everything agents and the system do to it.
Owns the status machine (new -> ... -> closed loop), the append-only timeline and the service that
reads, decides and writes one change at a time."""
