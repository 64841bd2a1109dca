"""The API's OpenAPI document, generated from the handlers' own routes and models.

`python -m desk_ops.openapi --write` (make openapi) rewrites docs/openapi.json; a test fails when
the committed file differs from what the code generates.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from desk_ops.local.lambdas import LambdaRunner
from infra.names import ROOT

DOC = ROOT / "docs" / "openapi.json"
HTTP_FUNCTIONS = ("intake", "console_api", "survey")


# Webhook bodies are read raw (the signature covers the exact bytes), so they are documented
# here from the codecs' models rather than declared as parsed route parameters.
def _webhook_bodies() -> dict[str, type[Any]]:
    from inquiry_desk.channels.chat import ChatWebhook

    return {"/webhooks/chat": ChatWebhook}


def generate() -> dict[str, Any]:
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "openapi")
    runner = LambdaRunner()
    doc: dict[str, Any] = {}
    for name in HTTP_FUNCTIONS:
        schema = json.loads(
            runner.module(name).app.get_openapi_json_schema(
                title="Inquiry Desk API",
                version="1.0.0",
                description="Channel webhooks (each signed with its channel's scheme) and the agents' API "
                "(Cognito ID token as a Bearer token).",
            )
        )
        if not doc:
            doc = schema
        else:
            doc["paths"].update(schema.get("paths", {}))
            doc.setdefault("components", {}).setdefault("schemas", {}).update(
                schema.get("components", {}).get("schemas", {})
            )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for path, model in _webhook_bodies().items():
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(body.pop("$defs", {}))  # nested models resolvable from the document root
        for operation in doc["paths"].get(path, {}).values():
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    schemas["Error"] = ERROR_SCHEMA
    doc["components"]["securitySchemes"] = {"cognito": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            statuses = _refusals(path, method)
            if path.startswith("/api/"):
                operation["security"] = [{"cognito": []}]
            for status, why in statuses.items():
                operation.setdefault("responses", {}).setdefault(
                    str(status),
                    {
                        "description": why,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return doc


ERROR_SCHEMA = {
    "type": "object",
    "title": "Error",
    "required": ["error", "reason"],
    "properties": {"error": {"type": "string"}, "reason": {"type": "string"}},
}


def _refusals(path: str, method: str) -> dict[int, str]:
    """Every refusal a route can answer, each with the `{"error","reason"}` body."""
    common = {413: "The body is over the size limit"}
    if path.startswith("/webhooks/"):
        refusals = {400: "Malformed body", 401: "Bad or missing signature", 404: "Channel not configured"}
        return {**refusals, **common} if method == "post" else refusals
    refusals = {
        400: "A target that does not exist, or a body the domain refuses",
        401: "No valid Cognito ID token, or the agent is disabled",
        403: "Not one of the caller's teams, or needs supervision/admin rights",
        404: "No such inquiry, customer or team",
    }
    if method == "post":
        refusals[409] = "The lifecycle does not allow this now, or a concurrent change won"
        refusals[413] = common[413]
        refusals[415] = "The body is not application/json"
    return refusals


def render() -> str:
    return json.dumps(generate(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"write {DOC.relative_to(ROOT)}")
    args = parser.parse_args()
    text = render()
    if args.write:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(text)
        print(f"wrote {DOC.relative_to(ROOT)}")
    else:
        print(text)


if __name__ == "__main__":
    main()
