"""Retention: how long records stay, when closed inquiries move to the archive (R8.1, R8.4).
The rules are data (policies/retention.json); records are never removed before six months.
The archive holds each inquiry whole (record, messages with voice summaries, timeline)."""
