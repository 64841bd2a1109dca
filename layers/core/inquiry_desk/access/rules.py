"""Roles, teams and what each may do.

A principal is the signed-in agent: its roles are the Cognito groups `agents`, `supervisors`,
`admins` (and `product`: product staff, who keep the knowledge base only); its teams are the
groups named `team:<team id>` (e.g. `team:complaints`). Agents act on their teams' inquiries;
supervisors on their teams' inquiries with supervision rights (assign to another agent, reopen,
undo a customer link); admins on everything, and only they erase.

Every route also names its team scope (TeamScope): how it keeps to the caller's teams. Data that
spans teams (the report's rows per channel, category or agent; content several teams sent) is
either cut to the caller's teams or needs rights on every team it touches; see `supervises_all`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from inquiry_desk.errors import DeskError, Forbidden, PayloadError

TEAM_GROUP_PREFIX = "team:"


class Unauthorized(DeskError):
    """No valid sign-in (missing claims, unknown or disabled user)."""

    http_status = 401
    code = "unauthorized"


class Role(StrEnum):
    AGENT = "agents"
    SUPERVISOR = "supervisors"
    ADMIN = "admins"
    PRODUCT = "product"  # product staff: the knowledge base only (R7.2)


DESK_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})  # who works inquiries


class Need(StrEnum):
    """What a route needs of the principal; every route of the agents' API names exactly one."""

    SIGNED_IN = "signed_in"  # any desk role; what is listed is limited to the principal's teams
    INQUIRY = "inquiry"  # the path's inquiry belongs to one of the principal's teams
    INQUIRY_ACTION = "inquiry_action"  # as INQUIRY, and the action's own right (supervision...)
    TEAM = "team"  # the path's team is one of the principal's teams
    CUSTOMER = "customer"  # the customer has an inquiry in one of the principal's teams
    SUPERVISE_CUSTOMER = "supervise_customer"  # as CUSTOMER, with supervision rights
    SUPERVISE = "supervise"  # supervisors (of any team) and admins; the data is cut to their teams
    SUPERVISE_INQUIRY = "supervise_inquiry"  # the path's inquiry is in a team the principal supervises
    SUPERVISE_CORRECTION = "supervise_correction"  # the path's correction: supervision of every team it reached
    ADMIN = "admin"  # admins only
    KNOWLEDGE = "knowledge"  # any role, product staff too: read and edit the knowledge base (R7.2)


class TeamScope(StrEnum):
    """How a route keeps to the caller's teams; every route of the agents' API names one (R8.2)."""

    PATH = "path"  # the guard checks the team(s) of the path's resource: 403 for another team's
    FILTERED = "filtered"  # answers with the caller's teams' data only (lists, reports, monitor, reviews)
    BODY = "body"  # the body names the resource (a message, content sent); its teams are checked
    EVERY_TEAM = "every_team"  # admins only: spans every team by design (erasure)
    SHARED = "shared"  # no team's data: the desk's shared content and settings (knowledge base,
    # departments, policy documents, the order feed, template A/B counts); the role is the rule


# Actions only supervisors (of the inquiry's team) and admins may take.
SUPERVISION_ACTIONS = frozenset({"reopen", "decide_liability"})  # R2.9: liability is a supervisor's call


@dataclass(frozen=True)
class Principal:
    user: str
    roles: frozenset[Role]
    teams: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def sees(self, team: str | None) -> bool:
        """An inquiry of `team` is visible (unrouted inquiries: admins only)."""
        return self.is_admin or (team is not None and team in self.teams)

    def supervises(self, team: str | None) -> bool:
        return self.is_admin or (Role.SUPERVISOR in self.roles and self.sees(team))

    @property
    def works_inquiries(self) -> bool:
        return bool(self.roles & DESK_ROLES)

    def sees_any(self, teams: Iterable[str | None]) -> bool:
        return self.is_admin or any(self.sees(t) for t in teams)


def groups_of(claims: Mapping[str, Any]) -> set[str]:
    """`cognito:groups` as API Gateway passes it (space/comma separated string) or as a list."""
    raw = claims.get("cognito:groups") or ""
    if isinstance(raw, str):
        return set(raw.strip("[]").replace(",", " ").split())
    return {str(g) for g in raw}


def principal_from_claims(claims: Mapping[str, Any] | None) -> Principal:
    if not claims:
        raise Unauthorized("no signed-in agent")
    user = str(claims.get("cognito:username") or "")
    if not user:
        raise Unauthorized("the token names no user")
    groups = groups_of(claims)
    roles = frozenset(Role(g) for g in groups if g in {r.value for r in Role})
    teams = frozenset(g.removeprefix(TEAM_GROUP_PREFIX) for g in groups if g.startswith(TEAM_GROUP_PREFIX))
    return Principal(user, roles, teams)


def require_role(principal: Principal) -> None:
    if not principal.roles:
        raise Forbidden(f"{principal.user} is in none of the groups agents, supervisors, admins, product")


def check_team(principal: Principal, team: str | None, what: str) -> None:
    if not principal.sees(team):
        raise Forbidden(f"{what} belongs to team {team or '(none)'}, not one of yours")


def check_action(
    principal: Principal,
    inquiry_team: str | None,
    action: str,
    data: Mapping[str, Any],
    known_teams: Iterable[str],
    known_categories: Iterable[str],
    agent_teams: Mapping[str, frozenset[str] | None],
) -> None:
    """The action's own right, and its targets exist.

    `agent_teams` maps the named owner (if any) to that agent's teams, None when no such enabled
    agent exists. Raise Forbidden (403) or PayloadError (400) with the reason.
    """
    check_team(principal, inquiry_team, "this inquiry")
    if action in SUPERVISION_ACTIONS and not principal.supervises(inquiry_team):
        raise Forbidden(f"{action} needs supervision rights on team {inquiry_team}")
    target_team = data.get("team")
    teams = sorted(known_teams)
    if action in ("assign", "reclassify", "transfer") and target_team is not None and target_team not in teams:
        raise PayloadError(f"no team {target_team!r}; teams are {', '.join(teams)}")
    category = data.get("category")
    if action == "reclassify" and category is not None and category not in list(known_categories):
        raise PayloadError(f"no category {category!r}; categories are {', '.join(sorted(known_categories))}")
    if action == "assign":
        owner = data.get("owner")
        if owner is not None and owner != principal.user and not principal.supervises(inquiry_team):
            raise Forbidden("assigning to another agent needs supervision rights; agents may take it themselves")
        if owner is not None:
            owner_teams = agent_teams.get(str(owner))
            if owner_teams is None:
                raise PayloadError(f"no active agent {owner!r}")
            team = target_team or inquiry_team
            if team not in owner_teams:
                raise PayloadError(f"agent {owner!r} is not in team {team}")
        if target_team is not None and not principal.supervises(target_team) and target_team not in principal.teams:
            raise Forbidden(f"assigning to team {target_team} needs membership of it or supervision rights")
    if action == "transfer":
        # any member hands over to another team's queue or to an agent of the (target) team
        owner = data.get("owner")
        if owner is not None:
            owner_teams = agent_teams.get(str(owner))
            if owner_teams is None:
                raise PayloadError(f"no active agent {owner!r}")
            team = target_team or inquiry_team
            if team not in owner_teams:
                raise PayloadError(f"agent {owner!r} is not in team {team}")


def supervises_all(principal: Principal, teams: Iterable[str | None], what: str) -> None:
    """Rights on every team `teams` names (content that reached several teams: a correction).

    A correction speaks to every customer who got the wrong content (a wrong answer is wrong for
    all of them), so marking it, or saying it is fixed, needs supervision of every team it reached;
    content that reached no one yet concerns no team: any supervisor. Raise Forbidden naming the
    teams that are not the principal's.
    """
    if principal.is_admin:
        return
    if Role.SUPERVISOR not in principal.roles:
        raise Forbidden("only supervisors and admins may do this")
    foreign = sorted({t or "(none)" for t in teams if not principal.supervises(t)})
    if foreign:
        raise Forbidden(f"{what} reached teams {', '.join(foreign)} too: it needs their supervisors or an admin")


def visible_teams(principal: Principal) -> frozenset[str] | None:
    """The teams whose data the principal sees; None: every team (admins)."""
    return None if principal.is_admin else principal.teams
