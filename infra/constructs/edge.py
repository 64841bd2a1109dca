"""The API's edge: AWS WAF in front of the stage (rate limit per source address, AWS managed
common rules and known bad inputs). Body size limits stay where they are enforced today: API
Gateway (10 MB) and each webhook handler (256 KiB, 413 with the reason)."""

from __future__ import annotations

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_wafv2 as waf
from constructs import Construct

# Requests per source address per 5 minutes before WAF blocks it (override: -c desk:wafRateLimit=N).
DEFAULT_RATE_LIMIT = 2000


def _visibility(name: str) -> waf.CfnWebACL.VisibilityConfigProperty:
    return waf.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _managed(name: str, priority: int, count_only: list[str] | None = None) -> waf.CfnWebACL.RuleProperty:
    return waf.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=waf.CfnWebACL.OverrideActionProperty(none={}),
        statement=waf.CfnWebACL.StatementProperty(
            managed_rule_group_statement=waf.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS",
                name=name,
                rule_action_overrides=[
                    waf.CfnWebACL.RuleActionOverrideProperty(
                        name=rule, action_to_use=waf.CfnWebACL.RuleActionProperty(count={})
                    )
                    for rule in count_only or []
                ]
                or None,
            )
        ),
        visibility_config=_visibility(name),
    )


class Edge(Construct):
    def __init__(self, scope: Construct, id: str, stage: apigw.Stage, rate_limit: int = DEFAULT_RATE_LIMIT) -> None:
        super().__init__(scope, id)
        self.acl = waf.CfnWebACL(
            self,
            "Acl",
            scope="REGIONAL",
            default_action=waf.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility("inquiry-desk-api"),
            rules=[
                waf.CfnWebACL.RuleProperty(
                    name="RatePerSource",
                    priority=0,
                    action=waf.CfnWebACL.RuleActionProperty(block={}),
                    statement=waf.CfnWebACL.StatementProperty(
                        rate_based_statement=waf.CfnWebACL.RateBasedStatementProperty(
                            limit=rate_limit, aggregate_key_type="IP"
                        )
                    ),
                    visibility_config=_visibility("RatePerSource"),
                ),
                # Webhook bodies up to 256 KiB are legitimate (mail-sized chat, marketplace batches):
                # the common set's 8 KB body rule only counts; the handlers enforce the real limit.
                _managed("AWSManagedRulesCommonRuleSet", 1, count_only=["SizeRestrictions_BODY"]),
                _managed("AWSManagedRulesKnownBadInputsRuleSet", 2),
            ],
        )
        waf.CfnWebACLAssociation(self, "OnStage", resource_arn=stage.stage_arn, web_acl_arn=self.acl.attr_arn)
