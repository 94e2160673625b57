from django.core.paginator import Paginator


def paginate(request, items, per_page, *, count=None):
    """The requested page of `items`, and the query string (without the page)
    that the page links carry so the filters stay applied. `count`: how many
    items there are, when known or cheaper to count another way (a COUNT(*)
    without the joins of what a row shows)."""
    paginator = Paginator(items, per_page)
    if count is not None:
        paginator.count = count
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
