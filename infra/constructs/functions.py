"""One helper that builds every Function with the shared settings (arm64, JSON logs, X-Ray,
the core layer, its own least-privilege role and log group)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct
from inquiry_desk.runtime.settings import Env

from infra.names import FUNCTIONS_DIR, METRICS_NAMESPACE, SERVICE, FunctionSpec

RUNTIME = lambda_.Runtime.PYTHON_3_13


class DeskFunction(Construct):
    """A Lambda from functions/<spec.name>/app.py with handler `app.lambda_handler`."""

    def __init__(
        self,
        scope: Construct,
        spec: FunctionSpec,
        layer: lambda_.ILayerVersion,
        environment: Mapping[str, str],
    ) -> None:
        super().__init__(scope, spec.name)
        log_group = logs.LogGroup(
            self, "Logs", retention=logs.RetentionDays.SIX_MONTHS, removal_policy=RemovalPolicy.DESTROY
        )
        # One role per function, holding only what that function is granted (no managed policies).
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{SERVICE} {spec.name}",
        )
        log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            description=spec.description,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler="app.lambda_handler",
            code=lambda_.Code.from_asset(str(FUNCTIONS_DIR / spec.name), exclude=["__pycache__", "*.pyc"]),
            layers=[layer],
            role=self.role,
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_s),
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=log_group,
            environment={  # plain str keys: jsii must not see the Env enum type
                str(k): v
                for k, v in {
                    "POWERTOOLS_SERVICE_NAME": f"{SERVICE}-{spec.name}",
                    "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                    Env.FUNCTION: spec.name,
                    **environment,
                }.items()
            },
        )
        # every function of ours: one acknowledgement, here, not one per construct that makes a function
        Validations.of(self.function).acknowledge(
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-L1",
                reason="The owner fixed the Lambda runtime at Python 3.12/3.13; 3.13 is the newest of those, "
                "and the layer's wheels are built for it.",
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"])
        )
