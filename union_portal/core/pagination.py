from django.core.paginator import Paginator


def paginate(request, items, per_page):
    """The requested page of `items`, and the query string (without the page)
    that the page links carry so the filters stay applied."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


class FirstPageFirst(Paginator):
    """A Paginator that reads the first page before it counts: a first page that is
    not full holds every row, so its length is the count (a search finding a few
    rows costs one query, not two). Other pages, and a full first page, count as
    Paginator does (the count is asked only when the page shows it)."""

    def get_page(self, number):
        if number not in (None, "", "1", 1) or self.orphans:
            return super().get_page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            self.__dict__["count"] = len(rows)  # Paginator.count is a cached_property
        return self._get_page(rows, 1, self)


def paginate_first_page_first(request, items, per_page):
    """paginate() with FirstPageFirst."""
    page = FirstPageFirst(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
