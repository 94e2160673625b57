from django.core.paginator import Paginator


def paginate(request, items, per_page):
    """The requested page of `items`, and the query string (without the page)
    that the page links carry so the filters stay applied."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
