from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import notifications
from .forms import parse_id
from .home import home_blocks
from .models import Notification
from .roles import login_required_403, roles_of


def home(request):
    """What matters now: what waits on an officer, a chair or the liaison, then
    the member's own next events, cases, notices, polls and proposals."""
    return render(
        request,
        "core/home.html",
        {"roles": roles_of(request.user), "blocks": home_blocks(request.user)},
    )


@login_required_403
def inbox(request):
    items = Notification.objects.filter(user=request.user).only(
        "id", "subject", "body", "url", "created_at", "read_at"
    )
    show = request.GET.get("show")
    if show == "unread":
        items = items.filter(read_at__isnull=True)
    page = Paginator(items, 20).get_page(request.GET.get("page"))
    return render(request, "core/inbox.html", {"page": page, "show": show})


@require_POST
@login_required_403
def inbox_mark_read(request):
    raw_id = request.POST.get("id", "")
    notification_id = parse_id(raw_id)
    if raw_id and notification_id is None:
        messages.error(request, _("That notification does not exist."))
        return redirect("core:inbox")
    notifications.notification_mark_read(user=request.user, notification_id=notification_id)
    if notification_id is not None:
        target = (
            Notification.objects.filter(user=request.user, pk=notification_id)
            .values_list("url", flat=True)
            .first()
        )
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
            return HttpResponseRedirect(target)
    return redirect("core:inbox")


@require_POST
def set_language(request):
    """Switches the page language, remembered in a cookie and on the account."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES) and check_for_language(language):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        if request.user.is_authenticated and request.user.language != language:
            request.user.language = language
            request.user.save(update_fields=["language"])
    return response


def floor(request):
    """The base layout and nothing else: the benchmark's floor. Asked without a
    session it runs no SQL, so a page's cost is measured against it."""
    return render(request, "core/floor.html")
