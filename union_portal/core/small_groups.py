"""Every figure about people is withheld for groups smaller than
settings.PORTAL_MIN_GROUP_SIZE (5): a count of 3, or the median of 3 cases,
filtered down to one day or one campus, singles out a person.

`withhold_small_groups()` works on the rows of one table (dicts): a row whose
count is 1 to 4 shows the label "<5" for that count and for every figure
computed from it (medians, percentiles, sub-counts). When exactly one row of a
table would be withheld, the smallest other row is withheld too, since the
total (shown elsewhere, or the sum of another table) minus the rows shown
would give the withheld count away. A count of 0 names nobody and is shown.

Reports of every app use it; numbers in withheld cells become the label, so
charts must draw numbers only (`is_shown()`).
"""

from django.conf import settings


def min_group_size() -> int:
    return settings.PORTAL_MIN_GROUP_SIZE


def withheld_label() -> str:
    """What a withheld figure shows, e.g. "<5"."""
    return f"<{min_group_size()}"


def is_shown(value) -> bool:
    """A figure that is a number (not withheld, not missing)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_small(count) -> bool:
    return is_shown(count) and 0 < count < min_group_size()


def withhold_small_groups(rows, *, count: str = "n", figures=()) -> list[dict]:
    """Copies of `rows` with `count` and `figures` replaced by the label where the
    group is small, plus the smallest other row when only one would be withheld.
    A row already withheld in `count` (by an earlier call) counts as withheld."""
    label = withheld_label()
    rows = [dict(row) for row in rows]

    def withhold(row):
        for key in (count, *figures):
            row[key] = label

    for row in rows:
        if is_small(row[count]):
            withhold(row)
    withheld = [row for row in rows if row[count] == label]
    shown = [row for row in rows if row[count] != label]
    if len(withheld) == 1 and shown:
        withhold(min(shown, key=lambda row: row[count]))
    return rows
