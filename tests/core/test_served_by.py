"""X-Served-By names the app server behind a load balancer, and only when asked."""

from django.http import HttpResponse
from django.test import RequestFactory

from union_portal.core.middleware import ServedByMiddleware


def test_the_instance_named_in_portal_instance_signs_each_response(settings):
    settings.PORTAL_INSTANCE = "app-2"
    middleware = ServedByMiddleware(lambda request: HttpResponse("ok"))
    response = middleware(RequestFactory().get("/"))
    assert response.headers["X-Served-By"] == "app-2"


def test_without_portal_instance_no_response_names_a_server(client, settings):
    assert settings.PORTAL_INSTANCE == ""
    assert "union_portal.core.middleware.ServedByMiddleware" not in settings.MIDDLEWARE
    assert "X-Served-By" not in client.get("/floor/").headers
