"""The desk on fakes: every service built as `runtime.composition` builds it, with the in-memory
ports instead of AWS (the cosmicpython `bootstrap` idea). Tests take a `Desk` and drive it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

from inquiry_desk.assistant.bot import Assistant
from inquiry_desk.assistant.policy import AssistantPolicy, load_assistant_policy
from inquiry_desk.customers.linking import CustomerService
from inquiry_desk.deadlines.enforcer import DeadlineEnforcer
from inquiry_desk.deadlines.planner import DeadlinePlanner
from inquiry_desk.deadlines.policy import SlaPolicy, load_policy, shipped_policy_path
from inquiry_desk.departments.service import DepartmentRequests, department_timers, load_departments
from inquiry_desk.inquiries.service import InquiryService
from inquiry_desk.intake.service import IntakeService
from inquiry_desk.model import Channel, EventType, Identity, InboundMessage, Urgency
from inquiry_desk.orders.feed import OrderFeed
from inquiry_desk.orders.guard import OrderPrivacy
from inquiry_desk.outbox.decision import ChannelWindows
from inquiry_desk.outbox.dispatcher import ChannelSender, Dispatcher
from inquiry_desk.surveys.policy import load_closing_loop
from inquiry_desk.surveys.timers import loop_timers
from inquiry_desk.triage.routing import Assignment
from inquiry_desk.triage.rules import CategoryRule, Triage

from tests.fakes.deadlines import FakeLadders, FakeNamedSchedules, FakeNotifier, FakeTimers
from tests.fakes.orders import FakeOrderStore
from tests.fakes.outbox import FakeSender
from tests.fakes.repository import FakeInquiryRepository


@cache
def shipped_policy() -> SlaPolicy:
    return load_policy(shipped_policy_path())


def policy_triage(policy: SlaPolicy) -> Triage:
    """The policy's categories as triage rules (as `composition.triage`)."""
    rules = [
        CategoryRule(category=cid, team=c.team, urgency=Urgency(c.urgency), keywords=tuple(c.keywords))
        for cid, c in policy.categories.items()
    ]
    return Triage(rules, next(r for r in rules if r.category == policy.defaults.category))


def _strong_identities(message: InboundMessage) -> list[Identity]:
    from inquiry_desk.channels.identity import strong_identities

    return strong_identities(message)


class Clock:
    """The desk's clock for services that ask for `now`; tests move it."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


SURVEY_FUNCTION = "arn:aws:lambda:ap-east-1:000000000000:function:survey"  # the closing loop's target

# A Tuesday, 10:00 in Shanghai: inside the office calendar of the shipped policy.
T0 = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)


@dataclass
class Desk:
    repository: FakeInquiryRepository = field(default_factory=FakeInquiryRepository)
    timers: FakeTimers = field(default_factory=FakeTimers)
    notifier: FakeNotifier = field(default_factory=FakeNotifier)
    ladders: FakeLadders = field(default_factory=FakeLadders)
    schedules: FakeNamedSchedules = field(default_factory=FakeNamedSchedules)
    clock: Clock = field(default_factory=lambda: Clock(T0))
    policy: SlaPolicy = field(default_factory=shipped_policy)
    senders: dict[Channel, ChannelSender] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.planner = DeadlinePlanner(self.policy)
        self.pauses: list[float] = []  # the backoff a contended change would have slept

    def intake(self, join_window: timedelta | None = None) -> IntakeService:
        window = timedelta(minutes=self.policy.join_window.minutes) if join_window is None else join_window
        return IntakeService(
            self.repository,
            policy_triage(self.policy),
            join_window=window,
            policy_version=self.policy.version,
            planner=self.planner,
            identities=_strong_identities,
        )

    def inquiries(self) -> InquiryService:
        return InquiryService(self.repository, self.planner, pause=self.pauses.append)

    def customers(self) -> CustomerService:
        return CustomerService(self.repository, self.inquiries())

    def enforcer(self, named_lookback: timedelta | None = None) -> DeadlineEnforcer:
        """As `composition.enforcer`: the one deadline timer, plus the closing loop's named schedules
        (and, with `named_lookback`, the reconciler's repair of lost ones, as deployed)."""
        loop = load_closing_loop()
        return DeadlineEnforcer(
            self.repository,
            self.policy,
            self.timers,
            self.notifier,
            self.ladders,
            self.inquiries(),
            self.clock,
            more_timers=lambda inquiry, events, now: [
                *loop_timers(loop, inquiry, events, now, SURVEY_FUNCTION),
                *department_timers(inquiry, events, now),
            ],
            schedules=self.schedules,
            named_lookback=named_lookback,
        )

    def dispatcher(
        self,
        senders: Mapping[Channel, ChannelSender] | None = None,
        windows: ChannelWindows | None = None,
        max_attempts: int = 3,
    ) -> Dispatcher:
        return Dispatcher(
            self.repository,
            senders if senders is not None else self.senders,
            self.clock,
            planner=self.planner,
            windows=windows,
            max_attempts=max_attempts,
        )

    def sender(self, channel: Channel, sender: FakeSender | None = None) -> FakeSender:
        """Give the desk a (fake) sender for `channel` and return it."""
        made = sender or FakeSender()
        self.senders[channel] = made
        return made

    # --- orders and the assistant (as composition.order_feed / assistant / order_privacy) -----
    def orders(self) -> FakeOrderStore:
        if not hasattr(self, "_orders"):
            self._orders = FakeOrderStore()
        return self._orders

    def assistant_policy(self, **changes: object) -> AssistantPolicy:
        """The shipped assistant policy, switched on (it ships off), with `changes`."""
        shipped = load_assistant_policy()
        return shipped.model_copy(update={"enabled": True, **changes})

    def assistant(self, policy: AssistantPolicy | None = None, route: bool = True) -> Assistant:
        from inquiry_desk.runtime.composition import triage_for
        from inquiry_desk.triage.linear import load_model
        from inquiry_desk.triage.routing import assign, load_routing

        triage = triage_for(self.policy, load_model())
        routing = load_routing()

        def routed(team: str, tags: tuple[str, ...], language: str | None, at: datetime) -> Assignment:
            return assign(routing, team, routing.skills_for(tags, language), at, lambda _c, _i: True, [])

        return Assistant(
            self.repository,
            self.orders(),
            self.inquiries(),
            policy or self.assistant_policy(),
            lambda text: triage.classify(text),
            routed if route else None,
            self.clock,
            "86",
        )

    def order_feed(self) -> OrderFeed:
        def open_urgent(message: InboundMessage) -> str:
            result = self.intake().receive(message)
            inquiry = self.repository.get(result.inquiry_id)
            if inquiry is not None and inquiry.urgency is not Urgency.URGENT:
                self.inquiries().record(
                    result.inquiry_id,
                    message.received_at,
                    "system",
                    EventType.CLASSIFIED,
                    {"urgency": "urgent"},
                    changes={"urgency": Urgency.URGENT},
                )
            return result.inquiry_id

        return OrderFeed(self.orders(), open_urgent, load_assistant_policy().exception_texts, self.clock)

    def order_privacy(self) -> OrderPrivacy:
        return OrderPrivacy(self.orders(), self.repository, load_assistant_policy().order_number_pattern)

    def departments(self) -> DepartmentRequests:
        """As `composition.department_escalations`: requests with the breach's notices and ladder."""
        calendar = self.policy.calendar(self.policy.defaults.calendar)
        return DepartmentRequests(
            self.inquiries(), load_departments(), lambda: calendar, self.notifier, self.ladders, self.clock
        )
