from django.core.paginator import Paginator


def paginate(request, items, per_page, *, counted=None):
    """The requested page of `items`, and the query string (without the page)
    that the page links carry so the filters stay applied. `counted`: the same rows
    as a queryset that is cheaper to count (without the joins of what a row shows)."""
    paginator = Paginator(items, per_page)
    if counted is not None:
        paginator.count = counted.count()
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
