"""The REST API: channel webhooks (signed by each channel, no Cognito) and the agents' API
(Cognito authorizer). Both are Lambda proxy integrations, so the handlers see the same event
the local HTTP front builds."""

from __future__ import annotations

import json

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.names import ROOT

OPENAPI = ROOT / "docs" / "openapi.json"


def webhook_routes() -> dict[str, list[str]]:
    """The intake handler's routes, read from the OpenAPI document generated from it (a drift test
    keeps the document equal to the code): routes are written once, in the handler."""
    paths: dict[str, dict[str, object]] = json.loads(OPENAPI.read_text())["paths"]
    return {
        path.removeprefix("/webhooks/"): sorted(method.upper() for method in operations)
        for path, operations in paths.items()
        if path.startswith("/webhooks/")
    }


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        intake: lambda_.IFunction,
        console_api: lambda_.IFunction,
        user_pool: cognito.IUserPool,
        survey: lambda_.IFunction | None = None,
        console_origin: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.SIX_MONTHS)
        self.rest_api = apigw.RestApi(
            self,
            "Api",
            rest_api_name="inquiry-desk",
            deploy_options=apigw.StageOptions(
                stage_name="v1",
                tracing_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                throttling_rate_limit=200,
                throttling_burst_limit=400,
            ),
            cloud_watch_role=True,
            binary_media_types=["multipart/form-data"],
        )
        self.validator = self.rest_api.add_request_validator(
            "Params", validate_request_parameters=True, validate_request_body=False
        )
        self.unauthenticated_methods: list[apigw.Method] = []
        intake_integration = apigw.LambdaIntegration(intake)
        webhooks = self.rest_api.root.add_resource("webhooks")
        for channel, methods in webhook_routes().items():
            resource = webhooks.add_resource(channel)
            for method in methods:
                # Channels cannot send Cognito tokens; each webhook verifies its channel's own
                # signature scheme inside the handler instead.
                self.unauthenticated_methods.append(
                    resource.add_method(
                        method,
                        intake_integration,
                        authorization_type=apigw.AuthorizationType.NONE,
                        request_validator=self.validator,
                    )
                )
        authorizer = apigw.CognitoUserPoolsAuthorizer(self, "Agents", cognito_user_pools=[user_pool])
        # CORS for the hosted console's origin only: preflights answered by API Gateway, the
        # handler's answers by the resolver, and API Gateway's own refusals (401 from the
        # authorizer, throttling) carry the header too so the console can read them.
        api = self.rest_api.root.add_resource("api")
        proxy = api.add_proxy(
            default_integration=apigw.LambdaIntegration(console_api),
            any_method=True,
            default_method_options=apigw.MethodOptions(
                authorizer=authorizer,
                authorization_type=apigw.AuthorizationType.COGNITO,
                request_validator=self.validator,
            ),
        )

        # Survey links (R5.3): customers have no account; the signed, expiring token in the path
        # is the credential, checked in the handler before anything is read or written.
        self.survey_methods: list[apigw.Method] = []
        if survey is not None:
            token = self.rest_api.root.add_resource("survey").add_resource("{token}")
            for method in ("GET", "POST"):
                self.survey_methods.append(
                    token.add_method(
                        method,
                        apigw.LambdaIntegration(survey),
                        authorization_type=apigw.AuthorizationType.NONE,
                        request_validator=self.validator,
                        request_parameters={"method.request.path.token": True},
                    )
                )

        self.preflight_methods: list[apigw.Method] = []
        if console_origin:
            self.preflight_methods.append(
                proxy.add_cors_preflight(
                    allow_origins=[console_origin],
                    allow_methods=["GET", "POST", "OPTIONS"],
                    allow_headers=["Authorization", "Content-Type"],
                    max_age=Duration.hours(1),
                )
            )
            for kind in (apigw.ResponseType.DEFAULT_4_XX, apigw.ResponseType.DEFAULT_5_XX):
                self.rest_api.add_gateway_response(
                    f"Cors{kind.response_type}",
                    type=kind,
                    response_headers={"Access-Control-Allow-Origin": f"'{console_origin}'", "Vary": "'Origin'"},
                )
