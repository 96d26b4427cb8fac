"""OpenAPI links between the API's operations: where a value in one answer is a parameter of
another (a unit's code in a list opens the unit). A client follows them; schemathesis' stateful
test walks them. drf-spectacular has no place for links, so a post-processing hook adds them to
the generated schema, by operation id."""

from __future__ import annotations

from typing import Any

# operation id → status → link name → (target operation id, {parameter: runtime expression}).
LINKS: dict[str, dict[str, dict[str, tuple[str, dict[str, str]]]]] = {
    "units_list": {
        "200": {
            "unit": ("units_retrieve", {"code": "$response.body#/results/0/code"}),
            "subtree": ("units_subtree", {"code": "$response.body#/results/0/code"}),
        }
    },
    "units_subtree": {
        "200": {"unit": ("units_retrieve", {"code": "$response.body#/results/0/code"})}
    },
}


def _operations(result: dict[str, Any]):
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if isinstance(operation, dict) and "operationId" in operation:
                yield operation


def add_links(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """The post-processing hook: each link whose source and target operations both exist."""
    known = {operation["operationId"] for operation in _operations(result)}
    for operation in _operations(result):
        for status, links in LINKS.get(operation["operationId"], {}).items():
            response = operation.get("responses", {}).get(status)
            if response is None:
                continue
            for name, (target, parameters) in sorted(links.items()):
                if target in known:
                    response.setdefault("links", {})[name] = {
                        "operationId": target,
                        "parameters": parameters,
                    }
    return result
