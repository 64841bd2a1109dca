"""The local front's routes, read from the synthesized template's API Gateway resources and methods
(never a list of our own): which function answers a method on a path, and whether it needs a
Cognito token. Matching follows API Gateway: literal segments first, then `{param}` (one segment),
then `{proxy+}` (the rest of the path)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ApiRoute:
    method: str  # GET, POST, ... or ANY
    segments: tuple[str, ...]  # ("api", "{proxy+}")
    function: str  # DESK_FUNCTION of the integration's Lambda
    needs_token: bool  # COGNITO_USER_POOLS authorizer

    def matches(self, method: str, parts: tuple[str, ...]) -> bool:
        if self.method not in ("ANY", method):
            return False
        for i, segment in enumerate(self.segments):
            if segment.endswith("+}"):
                return len(parts) > i
            if i >= len(parts) or not (segment == parts[i] or (segment.startswith("{") and parts[i])):
                return False
        return len(parts) == len(self.segments)

    def specificity(self) -> tuple[int, ...]:
        return tuple(2 if not s.startswith("{") else (0 if s.endswith("+}") else 1) for s in self.segments)


def routes_from_template(template: dict[str, Any]) -> list[ApiRoute]:
    resources = template["Resources"]
    functions = {
        lid: r["Properties"].get("Environment", {}).get("Variables", {}).get("DESK_FUNCTION")
        for lid, r in resources.items()
        if r["Type"] == "AWS::Lambda::Function"
    }

    def path_of(ref: Any) -> tuple[str, ...]:
        if isinstance(ref, dict) and "Ref" in ref and ref["Ref"] in resources:
            res = resources[ref["Ref"]]
            if res["Type"] == "AWS::ApiGateway::Resource":
                return (*path_of(res["Properties"]["ParentId"]), res["Properties"]["PathPart"])
        return ()  # the API's root resource (Fn::GetAtt RootResourceId)

    def function_of(uri: Any) -> str | None:
        found: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                if "Fn::GetAtt" in value and value["Fn::GetAtt"][0] in functions:
                    found.append(value["Fn::GetAtt"][0])
                for v in value.values():
                    walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)

        walk(uri)
        return functions.get(found[0]) if found else None

    routes = []
    for r in resources.values():
        if r["Type"] != "AWS::ApiGateway::Method":
            continue
        props = r["Properties"]
        integration = props.get("Integration", {})
        if integration.get("Type") != "AWS_PROXY":
            continue  # CORS preflight mocks and the like
        function = function_of(integration.get("Uri"))
        if function is None:
            continue
        routes.append(
            ApiRoute(
                method=props["HttpMethod"],
                segments=path_of(props["ResourceId"]),
                function=function,
                needs_token=props.get("AuthorizationType") == "COGNITO_USER_POOLS",
            )
        )
    return sorted(routes, key=lambda route: route.specificity(), reverse=True)


def find_route(routes: list[ApiRoute], method: str, path: str) -> ApiRoute | None:
    parts = tuple(p for p in path.split("/") if p)
    return next((r for r in routes if r.matches(method, parts)), None)
