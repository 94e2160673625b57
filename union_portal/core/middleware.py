from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers


class PortalLocaleMiddleware:
    """Chinese unless the visitor chose otherwise.

    Django's LocaleMiddleware would follow the browser's Accept-Language, but
    the portal's default is Chinese whatever the phone's setting: the choice is
    the language cookie, then the account's language, then zh-hans.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supported = dict(settings.LANGUAGES)
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in supported:
            user = getattr(request, "user", None)
            language = getattr(user, "language", None) if user and user.is_authenticated else None
        if language not in supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


class PrivatePagesMiddleware:
    """A response to a signed-in person, or to a browser that carries (or is given)
    one of settings.PORTAL_PRIVATE_COOKIES (e.g. an anonymous case's follow cookie),
    is stored by no cache: Cache-Control: private, no-store. A shared computer's
    back button or history, or a proxy, must not show a case, a receipt code or a
    personal-data download to the next person."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        private = settings.PORTAL_PRIVATE_COOKIES
        if (
            (user is not None and user.is_authenticated)
            or any(name in request.COOKIES for name in private)
            or any(name in response.cookies for name in private)
        ):
            patch_cache_control(response, private=True, no_store=True)
        return response


class ServedByMiddleware:
    """X-Served-By: the name of the app server that answered (PORTAL_INSTANCE).
    Installed only when PORTAL_INSTANCE is set, behind a load balancer, to see
    which of several app servers took a request; says nothing else."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.instance = settings.PORTAL_INSTANCE

    def __call__(self, request):
        response = self.get_response(request)
        response.headers["X-Served-By"] = self.instance
        return response
