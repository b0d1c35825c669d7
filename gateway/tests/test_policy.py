import pytest

from gateway.policy import DEFAULT_POLICY, GATEWAY, POLICY, PUBLIC, ROLES, service_for


@pytest.mark.parametrize(
    ("method", "path", "service"),
    [
        ("GET", "/api/v1/partners", "partners"),
        ("GET", "/api/v1/partners/123", "partners"),
        ("GET", "/api/v1/partners/123/contacts", "partners"),
        ("GET", "/api/v1/partners/export.csv", "partners"),
        ("POST", "/api/v1/partners/imports", "partners"),
        ("GET", "/api/v1/partners/imports/5f0c", "partners"),
        ("GET", "/api/v1/partners/123/history", "engagements"),
        ("GET", "/api/v1/partners/123/overview", None),  # answered by the gateway itself
        ("GET", "/api/v1/contacts/9", "partners"),
        ("GET", "/api/v1/engagements", "engagements"),
        ("PATCH", "/api/v1/follow-ups/3", "engagements"),
        ("GET", "/api/v1/thrusts", "engagements"),
        ("GET", "/api/v1/reports/thrusts", "engagements"),
        ("GET", "/api/v1/calendar/alice.ics", "engagements"),
        ("PUT", "/api/v1/notifications/preferences", "notifications"),
        ("POST", "/api/v1/notifications/7/read", "notifications"),
        ("GET", "/api/v1/deliveries", "notifications"),
        ("GET", "/api/v1/notifications", "notifications"),
        ("DELETE", "/api/v1/subscriptions/1", "notifications"),
        ("POST", "/api/v1/deliveries/1/replay", "notifications"),
        ("GET", "/api/v1/partnersX", None),
        ("GET", "/api/v1/unknown", None),
        ("GET", "/partners", None),
    ],
)
def test_each_public_path_goes_to_the_service_that_owns_it(method, path, service):
    assert service_for(path, method) == service


def test_every_rule_names_known_roles_and_a_known_target():
    for rule in POLICY:
        assert rule.roles is PUBLIC or rule.roles <= set(ROLES), rule
        assert rule.target in {"partners", "engagements", "notifications", GATEWAY}, rule


def test_no_two_rules_claim_the_same_method_and_template():
    keys = [(rule.method, rule.template) for rule in POLICY]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    "resource",
    [
        # DESIGN.md's REST surface, plus the routes the issues name.
        "partners",
        "partners/{id}",
        "partners/{id}/contacts",
        "partners/{id}/relationships",
        "partners/{id}/merge",
        "partners/{id}/archive",
        "partners/{id}/restore",
        "partners/duplicates",
        "partners/duplicates/dismissals",
        "partners/{id}/history",
        "partners/{id}/audit",
        "partners/imports",
        "partners/imports/{id}",
        "partners/export.csv",
        "partners/{id}/overview",
        "partners/{id}/briefing",
        "contacts/{id}",
        "engagements",
        "engagements/{id}",
        "engagements/{id}/follow-ups",
        "follow-ups",
        "follow-ups/{id}",
        "thrusts",
        "reports/thrusts",
        "calendar/{officer}.ics",
        "notifications",
        "subscriptions",
        "webhooks",
        "deliveries/{id}/replay",
        "auth/token",
        "users",
        "keys",
    ],
)
def test_the_table_covers_the_whole_rest_surface(resource):
    assert any(rule.template == "/" + resource for rule in POLICY)


@pytest.mark.parametrize(
    ("template", "admin_only"),
    [
        ("/partners/{id}/merge", True),
        ("/partners/{id}/archive", True),
        ("/partners/{id}/restore", True),
        ("/partners/duplicates", True),
        ("/partners/duplicates/dismissals", True),
        ("/users", True),
        ("/keys", True),
        ("/partners", False),
    ],
)
def test_admin_only_routes(template, admin_only):
    rules = [rule for rule in POLICY if rule.template == template]
    assert rules
    assert all((rule.roles == {"admin"}) == admin_only for rule in rules if rule.method != "GET" or admin_only)


def test_head_is_allowed_wherever_get_is():
    assert DEFAULT_POLICY.match("HEAD", "/api/v1/partners/export.csv").rule.method == "GET"
