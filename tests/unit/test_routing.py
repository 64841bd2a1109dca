"""R4.1/R4.3: routing to agents of the category's team, on shift, within capacity, balanced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inquiry_desk.triage.routing import Agent, OpenWork, Routing, assign, load_routing

T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # Tuesday 11:00 in Shanghai


def _routing() -> Routing:
    def agent(aid: str, skills: tuple[str, ...] = (), capacity: int = 2, shift: str = "day") -> Agent:
        return Agent(aid, aid, frozenset({"orders"}), frozenset(skills), capacity, shift)

    return Routing(
        version="t",
        agents={
            "ann": agent("ann"),
            "bob": agent("bob", ("cross_border",)),
            "cat": agent("cat", shift="night"),
        },
        tag_skills={"cross_border": "cross_border"},
    )


def day_only(calendar: str, at: datetime) -> bool:
    return calendar == "day"


def test_R4_3_round_robin_balances_only_agents_on_shift() -> None:
    routing, queue, picks = _routing(), [], []
    for n in range(4):
        got = assign(routing, "orders", frozenset(), T0 + timedelta(minutes=n), day_only, queue)
        picks.append(got.owner)
        queue.append(OpenWork(got.owner, T0 + timedelta(minutes=n)))
    assert picks == ["ann", "bob", "ann", "bob"]  # cat is off shift; each gets the same share


def test_R4_3_capacity_is_respected_and_a_full_team_waits_in_the_queue() -> None:
    routing = _routing()
    queue = [OpenWork("ann", T0), OpenWork("ann", T0), OpenWork("bob", T0), OpenWork("bob", T0)]
    got = assign(routing, "orders", frozenset(), T0, day_only, queue)
    assert got.owner is None and "capacity" in got.why["reason"]


def test_R4_1_tags_ask_for_skills() -> None:
    routing = _routing()
    skills = routing.skills_for(["cross_border"])
    queue = [OpenWork("bob", T0)]  # bob is busier, but the only one with the skill
    assert assign(routing, "orders", skills, T0, day_only, queue).owner == "bob"


def test_R4_1_nobody_on_shift_leaves_the_inquiry_in_the_team_queue() -> None:
    got = assign(_routing(), "orders", frozenset(), T0, lambda c, at: False, [])
    assert got.owner is None and got.why["reason"] == "nobody on shift"


def test_shipped_routing_covers_every_team_of_the_policy() -> None:
    from inquiry_desk.deadlines.policy import load_policy, shipped_policy_path

    policy = load_policy(shipped_policy_path())
    routing = load_routing()
    teams = {c.team for c in policy.categories.values()}
    staffed = {t for a in routing.agents.values() for t in a.teams}
    assert teams <= staffed
    assert all(a.shift in policy.calendars for a in routing.agents.values())
