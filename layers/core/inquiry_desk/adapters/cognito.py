"""The agent directory: who exists, is enabled, and in which teams (Cognito user pool groups)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from inquiry_desk.access.rules import TEAM_GROUP_PREFIX


class CognitoDirectory:
    """Answers from the user pool, remembered for `ttl_s` seconds per process (a disabled agent is
    refused within that time; a hot API asks Cognito at most once per agent per minute)."""

    def __init__(self, idp: Any, pool_id: str, ttl_s: float = 60.0, now: Callable[[], float] = time.monotonic) -> None:
        self._idp = idp
        self._pool = pool_id
        self._ttl = ttl_s
        self._now = now
        self._seen: dict[str, tuple[float, frozenset[str] | None]] = {}

    def teams_of(self, user: str) -> frozenset[str] | None:
        hit = self._seen.get(user)
        if hit is not None and self._now() - hit[0] < self._ttl:
            return hit[1]
        found = self._lookup(user)
        self._seen[user] = (self._now(), found)
        return found

    def _lookup(self, user: str) -> frozenset[str] | None:
        try:
            got = self._idp.admin_get_user(UserPoolId=self._pool, Username=user)
        except (self._idp.exceptions.UserNotFoundException, self._idp.exceptions.InvalidParameterException):
            return None
        if not got.get("Enabled", True):
            return None
        teams: set[str] = set()
        token: str | None = None
        while True:
            page = self._idp.admin_list_groups_for_user(
                UserPoolId=self._pool, Username=user, **({"NextToken": token} if token else {})
            )
            teams.update(
                g["GroupName"].removeprefix(TEAM_GROUP_PREFIX)
                for g in page.get("Groups", [])
                if g["GroupName"].startswith(TEAM_GROUP_PREFIX)
            )
            token = page.get("NextToken")
            if not token:
                return frozenset(teams)


class CognitoSupervisors:
    """Who gets a team's daily report: enabled members of the supervisors' group who are also in
    the team's group (team-<team>), by their e-mail attribute (reports.json daily_report)."""

    def __init__(self, idp: Any, pool_id: str, supervisors_group: str) -> None:
        self._idp = idp
        self._pool = pool_id
        self._group = supervisors_group

    def _members(self, group: str) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        token: str | None = None
        while True:
            try:
                page = self._idp.list_users_in_group(
                    UserPoolId=self._pool, GroupName=group, **({"NextToken": token} if token else {})
                )
            except self._idp.exceptions.ResourceNotFoundException:
                return found
            for user in page.get("Users", []):
                if user.get("Enabled", True):
                    attrs = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
                    found[user["Username"]] = attrs.get("email")
            token = page.get("NextToken")
            if not token:
                return found

    def emails(self, team: str) -> list[str]:
        supervisors = self._members(self._group)
        in_team = self._members(f"{TEAM_GROUP_PREFIX}{team}")
        return sorted({email for user, email in supervisors.items() if user in in_team and email})
