"""The agents' console on AWS: its built files (console/dist, from `make setup`) in a private S3
bucket, served by CloudFront through origin access control with security headers and a strict
Content-Security-Policy; its config.json is written at deploy time from the stack's own values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra import names


class Console(Construct):
    def __init__(self, scope: Construct, id: str, *, region: str) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(
            self,
            "Files",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # The API and Cognito by their regional hosts: naming the API's own URL here would make the
        # distribution depend on the API, which depends on this distribution's origin (CORS).
        connect = f"https://*.execute-api.{region}.amazonaws.com https://cognito-idp.{region}.amazonaws.com"
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="Inquiry Desk console: strict CSP and security headers",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=names.console_csp(connect) + "; upgrade-insecure-requests",
                    override=True,
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(365), include_subdomains=True, preload=True, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
                custom_headers=[
                    cloudfront.ResponseCustomHeader(
                        header="Permissions-Policy",
                        value="camera=(), microphone=(), geolocation=(), payment=()",
                        override=True,
                    )
                ]
            ),
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Cdn",
            comment="Inquiry Desk console",
            default_root_object="index.html",
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
            ),
        )
        self.origin = f"https://{self.distribution.distribution_domain_name}"

    def publish(self, build_dir: Path, config: dict[str, Any]) -> s3deploy.BucketDeployment:
        """Upload the built console and its config.json (deploy-time values from the stack),
        then invalidate the distribution so agents get the new version at once."""
        if not (build_dir / "index.html").exists():
            raise FileNotFoundError(f"{build_dir} has no built console: run `make setup` first")
        return s3deploy.BucketDeployment(
            self,
            "Publish",
            sources=[s3deploy.Source.asset(str(build_dir)), s3deploy.Source.json_data("config.json", config)],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=256,
        )
