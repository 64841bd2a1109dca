"""Channel codecs: verify a provider's signature, parse its payload into InboundMessage objects,
and build outbound reply payloads. Pure: no AWS, no environment, no network, no clock (a `now`
is passed in where time matters).

* `chat` (own chat widget): `verify_chat`, `parse_chat`; replies `build_chat_reply`, `sign_chat`.
* `wechat` (official account): `verify_wechat_url`, `verify_wechat`, `parse_wechat`; replies
  `build_wechat_text_reply`, `seal_wechat_reply`, `build_wechat_customer_message`.
* `meta` (Messenger, Instagram, WhatsApp): `verify_meta_subscription`, `verify_meta`,
  `parse_meta`; replies `build_meta_replies`.
* `twilio` (SMS via Twilio and AWS End User Messaging): `verify_twilio`, `parse_twilio_sms`,
  `parse_aws_sms`; replies `build_twilio_sms`, `build_twiml_reply`, `build_aws_sms`.
* `marketplace` (connectors, docs/channels/marketplace.md): `verify_marketplace`,
  `parse_marketplace`; replies `build_marketplace_reply`, `sign_marketplace`.
* `email` (SES / SMTP raw MIME): `parse_email`, `is_automated`; replies `build_reply_email`.

Shared: `config` (credential models), `limits` (body size limits), `identity` (phone/email
normalisation, `strong_identities`), `language` (`detect_language`).

Errors: SignatureError (401) for forged, replayed or stale requests; PayloadError (400) for
malformed ones; PayloadTooLarge (413) over the size limit.
"""
