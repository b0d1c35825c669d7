"""The gateway's policy table and the services' own routes describe the same API.

A route a service serves but the table lacks is unreachable (404 at the gateway); a rule with no
route behind it lets callers through to a 404/405 and misleads the role matrix. Both are caught here.
"""

import re

import pytest
from fastapi.routing import APIRoute

from gateway.policy import API_PREFIX, DEFAULT_POLICY, GATEWAY, POLICY
from services.engagements.app import SPEC as ENGAGEMENTS
from services.kit.admin_api import admin_router
from services.notifications.api import router as notifications_router
from services.partners.app import SPEC as PARTNERS

ROUTERS = {
    "partners": [*PARTNERS.routers, admin_router("partners", consumes=False)],
    "engagements": [*ENGAGEMENTS.routers, admin_router("engagements", consumes=True)],
    "notifications": [notifications_router, admin_router("notifications", consumes=True)],
}


def service_routes(routers) -> set[tuple[str, str]]:
    routes = set()
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.path.startswith(API_PREFIX):
                routes |= {(method, route.path) for method in route.methods if method != "HEAD"}
    return routes


def sample(template: str) -> str:
    """A concrete path for a template: each {param} becomes a plausible value."""
    return re.sub(r"\{[^}]+\}", "x-1", template)


@pytest.mark.parametrize("service", sorted(ROUTERS))
def test_every_service_route_is_in_the_gateway_policy(service):
    missing = sorted(
        f"{method} {path}"
        for method, path in service_routes(ROUTERS[service])
        if (rule := DEFAULT_POLICY.match(method, sample(path)).rule) is None or rule.target != service
    )
    assert missing == [], f"routes of {service} the gateway cannot reach"


def route_pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + "[^/]+".join(re.escape(part) for part in re.split(r"\{[^}]+\}", path)) + "$")


def test_every_policy_rule_for_a_service_has_a_route_behind_it():
    served = [
        (service, method, route_pattern(path))
        for service, routers in ROUTERS.items()
        for method, path in service_routes(routers)
    ]
    phantom = sorted(
        f"{rule.method} {rule.template} -> {rule.target}"
        for rule in POLICY
        if rule.target != GATEWAY
        and not any(
            service == rule.target and method == rule.method and pattern.match(API_PREFIX + sample(rule.template))
            for service, method, pattern in served
        )
    )
    assert phantom == [], "rules that let callers through to a route no service serves"
