"""R2.8: a resolution records cause, solution, the customer's to-dos and the promised completion."""

from __future__ import annotations

from datetime import UTC, datetime

from inquiry_desk.deadlines.policy import load_policy, shipped_policy_path
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.inquiries.resolution import promised_completion
from inquiry_desk.inquiries.service import InquiryService
from inquiry_desk.model import EventType

from tests.fakes import FakeInquiryRepository
from tests.unit.loop.builders import events, inquiry

POLICY = load_policy(shipped_policy_path())
CN = POLICY.calendar("cn_office")


def test_three_working_days_skip_the_weekend_R2_8() -> None:
    friday_afternoon = datetime(2026, 3, 6, 7, 0, tzinfo=UTC)  # Fri 15:00 Shanghai
    due = promised_completion(CN, friday_afternoon, 3)
    assert due == datetime(2026, 3, 11, 10, 0, tzinfo=UTC)  # Wed 18:00 Shanghai


def test_working_days_skip_public_holidays_and_count_makeup_days_R2_8() -> None:
    before_spring_festival = datetime(2026, 2, 13, 3, 0, tzinfo=UTC)  # Fri 13 Feb 2026
    due = promised_completion(CN, before_spring_festival, 1)
    # 14 Feb 2026 (Saturday) is a make-up working day before the Spring Festival holiday
    assert due.astimezone(CN._tz).date().isoformat() == "2026-02-14"


def test_resolve_records_cause_solution_todos_and_promise_R2_8() -> None:
    repo = FakeInquiryRepository()
    repo.seed(inquiry())
    service = InquiryService(
        repo, promise=lambda _i, at, days: promised_completion(CN, at, days), default_promise_days=3
    )
    at = datetime(2026, 3, 2, 2, 30, tzinfo=UTC)  # Monday
    done = service.act(
        "Q1",
        Action.RESOLVE,
        "agent-1",
        at,
        result="replacement headset shipped",
        cause="faulty Bluetooth module in batch 7",
        solution="sent a replacement; return the old one",
        customer_todos=["return the old headset within 7 days"],
    )
    assert done.cause == "faulty Bluetooth module in batch 7"
    assert done.customer_todos == ["return the old headset within 7 days"]
    assert done.promised_by == datetime(2026, 3, 5, 10, 0, tzinfo=UTC)  # Thu 18:00 Shanghai
    event = events(repo, "Q1")[-1]
    assert event.type is EventType.RESOLVED
    assert event.data["promise"] == "3 working days"
    assert event.data["promised_by"] == "2026-03-05T10:00:00+00:00"
    assert event.data["solution"] == "sent a replacement; return the old one"


def test_resolve_with_explicit_working_days() -> None:
    repo = FakeInquiryRepository()
    repo.seed(inquiry())
    service = InquiryService(repo, promise=lambda _i, at, days: promised_completion(CN, at, days))
    done = service.act(
        "Q1", Action.RESOLVE, "a", datetime(2026, 3, 2, 2, 30, tzinfo=UTC), result="ok", promise_working_days=1
    )
    assert done.promised_by == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
