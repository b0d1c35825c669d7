import pytest

from gateway.routing import service_for


@pytest.mark.parametrize("path, service", [
    ("/api/v1/partners", "partners"),
    ("/api/v1/partners/123", "partners"),
    ("/api/v1/partners/123/contacts", "partners"),
    ("/api/v1/partners/123/history", "engagements"),
    ("/api/v1/contacts/9", "partners"),
    ("/api/v1/engagements", "engagements"),
    ("/api/v1/follow-ups/3", "engagements"),
    ("/api/v1/thrusts", "engagements"),
    ("/api/v1/notifications", "notifications"),
    ("/api/v1/subscriptions/1", "notifications"),
    ("/api/v1/webhooks", "notifications"),
    ("/api/v1/partnersX", None),
    ("/api/v1/unknown", None),
    ("/partners", None),
])
def test_each_public_path_goes_to_the_service_that_owns_it(path, service):
    assert service_for(path) == service
