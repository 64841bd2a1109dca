"""In-memory implementations of Inquiry Desk's own ports, for fast service tests (tests/unit).

Each behaves as its AWS adapter does (the repository's contract is checked against the DynamoDB
adapter on moto in tests/integration/test_repository_contract.py); `Desk` builds every service
on them as runtime.composition builds them on AWS.
"""

from tests.fakes.deadlines import FakeLadders, FakeNamedSchedules, FakeNotifier, FakeTimers, Notice, Pending
from tests.fakes.desk import T0, Clock, Desk, policy_triage, shipped_policy
from tests.fakes.loop import FakeExecutions, FakeLoopStore
from tests.fakes.mail import FakeMailStore
from tests.fakes.outbox import FakeSender, Sent
from tests.fakes.repository import FakeInquiryRepository

__all__ = [
    "T0",
    "Clock",
    "Desk",
    "FakeExecutions",
    "FakeInquiryRepository",
    "FakeLadders",
    "FakeLoopStore",
    "FakeMailStore",
    "FakeNamedSchedules",
    "FakeNotifier",
    "FakeSender",
    "FakeTimers",
    "Notice",
    "Pending",
    "Sent",
    "policy_triage",
    "shipped_policy",
]
