"""Routing to a person (R4.1, R4.3): teams, agents, skills, capacity and shifts are data
(``policies/routing.json``); this module only applies them.

A new inquiry goes to its category's team (the SLA policy), then to one agent of that team who is
on shift (their calendar is open) and below capacity (open inquiries they own). Tags ask for
skills; agents with more of the asked skills come first. Among equals the least loaded agent
wins (load relative to capacity), then the one assigned longest ago (round robin). Nobody
eligible: the inquiry waits in the team's queue (owner none) and the reason is recorded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

ROUTING_FILE = Path(__file__).resolve().parent.parent / "policies" / "routing.json"


@dataclass(frozen=True)
class Agent:
    agent_id: str
    name: str
    teams: frozenset[str]
    skills: frozenset[str]
    capacity: int
    shift: str  # a calendar id of the SLA policy


@dataclass(frozen=True)
class Routing:
    version: str
    agents: Mapping[str, Agent]
    tag_skills: Mapping[str, str] = field(default_factory=dict)

    def skills_for(self, tags: Iterable[str], language: str | None = None) -> frozenset[str]:
        wanted = {self.tag_skills[t] for t in tags if t in self.tag_skills}
        if language:
            wanted.add(language.split("-")[0].lower())
        return frozenset(wanted)


@dataclass(frozen=True)
class Assignment:
    owner: str | None
    why: dict[str, Any]


_ID = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class AgentSpec(_Strict):
    """One agent as the routing document writes it."""

    name: str = Field(min_length=1, max_length=200)
    teams: list[Annotated[str, Field(pattern=_ID, max_length=64)]] = Field(min_length=1)
    skills: list[Annotated[str, Field(pattern=_ID, max_length=64)]] = Field(default_factory=list)
    capacity: int = Field(ge=1, le=500, description="open inquiries the agent owns at once")
    shift: str = Field(pattern=_ID, max_length=64, description="a calendar of the SLA policy")


class RoutingDocument(_Strict):
    """The format of ``policies/routing.json``: teams' agents, their skills, capacity and shift."""

    comment: str | list[str] | None = Field(default=None, alias="$comment")
    version: str = Field(default="", max_length=64)
    tag_skills: dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(pattern=_ID, max_length=64)]] = Field(
        default_factory=dict
    )
    agents: dict[Annotated[str, Field(pattern=_ID, max_length=128)], AgentSpec]

    def references(self, calendars: Iterable[str], teams: Iterable[str]) -> list[tuple[str, str]]:
        """Problems with what the SLA policy must define: each shift a calendar, each team a category's."""
        from inquiry_desk.deadlines.policy import json_path

        known_calendars, known_teams = set(calendars), set(teams)
        out: list[tuple[str, str]] = []
        for aid, agent in self.agents.items():
            if agent.shift not in known_calendars:
                out.append(
                    (
                        json_path(("agents", aid, "shift")),
                        f"unknown calendar {agent.shift!r}; calendars are {', '.join(sorted(known_calendars))}",
                    )
                )
            for i, team in enumerate(agent.teams):
                if team not in known_teams:
                    out.append(
                        (
                            json_path(("agents", aid, "teams", i)),
                            f"unknown team {team!r}; teams are {', '.join(sorted(known_teams))}",
                        )
                    )
        return out


def parse_routing(data: Any, source: str = "<routing>") -> Routing:
    """Validate a routing document (already parsed JSON); errors as ``PolicyError`` (JSON path, reason)."""
    from inquiry_desk.deadlines.policy import PolicyError, problems_of

    try:
        doc = RoutingDocument.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(source, problems_of(exc)) from None
    agents = {
        aid: Agent(
            agent_id=aid,
            name=a.name,
            teams=frozenset(a.teams),
            skills=frozenset(a.skills),
            capacity=a.capacity,
            shift=a.shift,
        )
        for aid, a in doc.agents.items()
    }
    return Routing(version=doc.version, agents=agents, tag_skills=dict(doc.tag_skills))


def load_routing(path: Path = ROUTING_FILE) -> Routing:
    return parse_routing(json.loads(path.read_text(encoding="utf-8")), str(path))


@dataclass(frozen=True)
class OpenWork:
    """What the team's queue says about an agent: open inquiries owned, and the last one received."""

    owner: str | None
    received_at: datetime


def assign(
    routing: Routing,
    team: str,
    skills: frozenset[str],
    at: datetime,
    on_shift: Callable[[str, datetime], bool],
    queue: Sequence[OpenWork],
) -> Assignment:
    """The agent for a new inquiry of ``team`` asking for ``skills`` at ``at`` (R4.1, R4.3)."""
    members = [a for a in routing.agents.values() if team in a.teams]
    if not members:
        return Assignment(None, {"reason": "no agents in team", "team": team})
    load: dict[str, int] = {}
    last: dict[str, datetime] = {}
    for work in queue:
        if work.owner is None:
            continue
        load[work.owner] = load.get(work.owner, 0) + 1
        if work.owner not in last or work.received_at > last[work.owner]:
            last[work.owner] = work.received_at
    working = [a for a in members if on_shift(a.shift, at)]
    if not working:
        return Assignment(None, {"reason": "nobody on shift", "team": team})
    free = [a for a in working if load.get(a.agent_id, 0) < a.capacity]
    if not free:
        return Assignment(None, {"reason": "everyone on shift is at capacity", "team": team})
    epoch = datetime.min.replace(tzinfo=at.tzinfo)

    def rank(a: Agent) -> tuple[int, float, datetime, str]:
        return (-len(skills & a.skills), load.get(a.agent_id, 0) / a.capacity, last.get(a.agent_id, epoch), a.agent_id)

    best = min(free, key=rank)
    return Assignment(
        best.agent_id,
        {
            "reason": "on shift, below capacity, best skill match, least loaded, longest since last",
            "skills_wanted": sorted(skills),
            "skills_matched": sorted(skills & best.skills),
            "load": load.get(best.agent_id, 0),
            "capacity": best.capacity,
            "candidates": len(free),
            "routing_version": routing.version,
        },
    )
