"""Every secret of the desk in Secrets Manager: one per channel, and the survey links' key.

Values are generated where we choose them (the chat widget's and the marketplace connectors'
HMAC secrets, the survey signing key); the ones a provider issues (WeChat, Meta, Twilio) start as
`{}` (the channel is off) until the operator puts the provider's values in (README, "Secrets").
No value is in the template, an environment variable or a log; each function is granted only the
secrets it reads (`grant`).
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy, SecretValue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as sm
from constructs import Construct
from inquiry_desk.channels.config import SECRET_SECTIONS

from infra import names

# section -> the key whose value Secrets Manager generates (a shared secret we issue ourselves)
GENERATED: dict[str, str] = {"chat": "secret", "marketplace": "secret", "survey": "signing_key"}
GENERATED_LENGTH = 48


class ChannelSecrets(Construct):
    def __init__(self, scope: Construct, id: str, *, stack_name: str, key: kms.IKey) -> None:
        super().__init__(scope, id)
        self.secrets: dict[str, sm.Secret] = {}
        for section in SECRET_SECTIONS:
            generated = GENERATED.get(section)
            self.secrets[section] = sm.Secret(
                self,
                section.capitalize(),
                secret_name=names.channel_secret_name(stack_name, section),
                description=f"{section} credentials (JSON, see README: Secrets)",
                encryption_key=key,
                removal_policy=RemovalPolicy.RETAIN,
                generate_secret_string=sm.SecretStringGenerator(
                    secret_string_template="{}",
                    generate_string_key=generated,
                    exclude_punctuation=True,
                    password_length=GENERATED_LENGTH,
                )
                if generated
                else None,
                secret_string_value=None if generated else SecretValue.unsafe_plain_text("{}"),
            )

    def grant(self, grantee: iam.IGrantable, sections: tuple[str, ...]) -> None:
        """Read access to these sections' secrets only."""
        for section in sections:
            self.secrets[section].grant_read(grantee)
