"""Query parameters an operation does not declare are refused, not ignored.

A mistyped or unsupported filter (``?referralCode=…``, ``?assignedTo=…``) would otherwise
return every row as if it had matched, which a client cannot tell from a real answer. So, as
Stripe does, a parameter the operation does not know is a 422 naming it, and the message
lists the ones it accepts. What an operation accepts comes from its own signature and
dependencies (FastAPI's dependant), so a new route needs nothing here.

The same check refuses NUL (U+0000) in the URL, which PostgreSQL cannot compare text with:
in a query value a 422 naming the parameter, in a path segment a 404 (no id contains it).

Installed as an app-wide dependency, so it runs before the route's own (authentication
included). Routes left out of the OpenAPI document (``/docs``, the portal's files,
``/metrics``) are exempt.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from recruitiq.errors import NotFound, ValidationFailed

SHOWN_IN_MESSAGE = 5


def _declared(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _declared(dependency)
    return names


_ACCEPTED: dict[int, tuple[APIRoute, frozenset[str]]] = {}  # by id: routes are unhashable


def accepted_parameters(route: APIRoute) -> frozenset[str]:
    known = _ACCEPTED.get(id(route))
    if known is None or known[0] is not route:
        known = _ACCEPTED[id(route)] = (route, frozenset(_declared(route.dependant)))
    return known[1]


async def refuse_unknown_parameters(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.include_in_schema:
        return
    if any("\x00" in str(value) for value in request.path_params.values()):
        raise NotFound("Resource")
    if not request.scope["query_string"]:
        return
    accepted = accepted_parameters(route)
    unknown: list[str] = []
    with_nul: list[str] = []
    for name, value in request.query_params.multi_items():
        if name not in accepted:
            unknown.append(name)
        elif "\x00" in value:
            with_nul.append(name)
    if unknown:
        names = list(dict.fromkeys(unknown))
        shown = ", ".join(map(repr, names[:SHOWN_IN_MESSAGE]))
        if len(names) > SHOWN_IN_MESSAGE:
            shown += f" and {len(names) - SHOWN_IN_MESSAGE} more"
        known = ", ".join(sorted(accepted)) or "none"
        raise ValidationFailed(
            f"Unknown query parameter {shown}; this operation accepts: {known}",
            details=[{"field": name, "message": "unknown query parameter"} for name in names],
        )
    if with_nul:
        raise ValidationFailed(
            "Query parameters must not contain NUL (U+0000) characters",
            details=[{"field": name, "message": "must not contain NUL (U+0000) characters"}
                     for name in dict.fromkeys(with_nul)],
        )
