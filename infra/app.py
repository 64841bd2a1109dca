"""CDK app entry point: `cdk synth` / `cdk deploy` (see the Makefile)."""

from __future__ import annotations

import os

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.stack import InquiryDeskStack


def build_app(outdir: str | None = None) -> cdk.App:
    app = cdk.App(outdir=outdir) if outdir else cdk.App()
    name = app.node.try_get_context("desk:stackName") or "InquiryDesk"
    InquiryDeskStack(
        app,
        name,
        env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")),
        description="Inquiry Desk: every customer inquiry answered on time, followed up and closed",
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app


if __name__ == "__main__":
    build_app().synth()
