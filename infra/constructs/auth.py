"""Agents sign in with a Cognito user pool; groups carry the role (agents, supervisors, admins)
and the teams (`team:<team id>`, one group per team the policy routes to)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.names import AGENT_GROUPS, TEAM_GROUP_PREFIX


class Auth(Construct):
    def __init__(self, scope: Construct, id: str, callback_urls: list[str], teams: list[str]) -> None:
        super().__init__(scope, id)
        self.user_pool = cognito.UserPool(
            self,
            "Agents",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True),
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.client = self.user_pool.add_client(
            "Console",
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            id_token_validity=Duration.hours(8),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            o_auth=cognito.OAuthSettings(callback_urls=callback_urls),
        )
        for group in AGENT_GROUPS:
            cognito.CfnUserPoolGroup(
                self, f"Group{group.title()}", user_pool_id=self.user_pool.user_pool_id, group_name=group
            )
        for team in teams:  # team membership: an agent acts on the inquiries of its teams' groups
            cognito.CfnUserPoolGroup(
                self,
                f"Team{team.title().replace('_', '')}",
                user_pool_id=self.user_pool.user_pool_id,
                group_name=f"{TEAM_GROUP_PREFIX}{team}",
                description=f"Agents of team {team}",
            )
