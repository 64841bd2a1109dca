"""The supervisors' overdue and unconfirmed lists (R3.1), pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inquiry_desk.model import Channel, Inquiry, Status
from inquiry_desk.supervision.lists import late_lists

NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def _inquiry(iid: str, team: str = "orders", **fields: object) -> Inquiry:
    base = Inquiry(
        inquiry_id=iid,
        customer_id="C",
        channel=Channel.EMAIL,
        received_at=NOW - timedelta(hours=1),
        description="?",
        team=team,
    )
    return base.model_copy(update=fields)


def test_supervisor_lists_overdue_unacknowledged_and_unconfirmed_of_their_teams_only_R3_1() -> None:
    late = _inquiry("Q-late", status=Status.IN_PROGRESS, next_deadline_at=NOW - timedelta(minutes=5))
    later = _inquiry("Q-later", status=Status.ACKNOWLEDGED, next_deadline_at=NOW - timedelta(minutes=50))
    new_old = _inquiry("Q-new-old")
    new_fresh = _inquiry("Q-new-fresh", received_at=NOW - timedelta(minutes=5))
    started = _inquiry("Q-started", status=Status.ACKNOWLEDGED)
    resolved = _inquiry("Q-resolved", status=Status.RESOLVED)
    closed = _inquiry("Q-closed", status=Status.CLOSED)
    other_team = _inquiry("Q-other", team="complaints", status=Status.RESOLVED)

    lists = late_lists(
        ["orders"],
        lambda team: [late, later] if team == "orders" else [],
        lambda team: [new_old, new_fresh, started],
        [resolved, closed, other_team],
        timedelta(minutes=30),
        NOW,
    )

    assert [i.inquiry_id for i in lists.overdue] == ["Q-later", "Q-late"]  # the most late first
    assert [i.inquiry_id for i in lists.unacknowledged] == ["Q-new-old"]  # nobody confirmed it in 30 min
    assert [i.inquiry_id for i in lists.awaiting_confirmation] == ["Q-resolved"]  # not closed, own team
