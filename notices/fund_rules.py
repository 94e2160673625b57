"""The spending categories (支出科目) of the grassroots union fund rules, and
how a free-text purpose is placed in one. The seeding migration keeps its own
frozen copy; this module serves lines written without a category (demo data,
imports) so both place a text the same way."""

# (top-level category, sort, sub-items)
CATEGORIES = [
    ("职工活动支出", 10, ["文体活动", "宣传教育", "其他活动"]),
    ("维权支出", 20, ["困难职工帮扶", "送温暖/慰问", "法律援助"]),
    ("业务支出", 30, ["培训", "会议", "专项业务"]),
    ("行政支出", 40, []),
    ("资本性支出", 50, []),
    ("其他支出", 90, []),
]
OTHER = "其他支出"

# (keywords, (top-level, sub-item or None)); the first match wins.
KEYWORDS = [
    (("困难", "帮扶", "救助", "大病"), ("维权支出", "困难职工帮扶")),
    (("慰问", "温暖", "看望", "春节", "节日"), ("维权支出", "送温暖/慰问")),
    (("法律", "律师", "维权"), ("维权支出", "法律援助")),
    (("培训", "学习班"), ("业务支出", "培训")),
    (("会议", "代表大会", "教代会"), ("业务支出", "会议")),
    (("专项",), ("业务支出", "专项业务")),
    (("文体", "体育", "比赛", "球", "健步", "场地", "奖品", "联欢", "文艺", "运动"),
     ("职工活动支出", "文体活动")),
    (("宣传", "教育", "讲座", "展览"), ("职工活动支出", "宣传教育")),
    (("活动",), ("职工活动支出", "其他活动")),
    (("办公", "行政", "文具"), ("行政支出", None)),
    (("设备", "购置", "资产"), ("资本性支出", None)),
]  # fmt: skip


def place(text: str):
    """(top-level name, sub-item name or None) for a free-text purpose."""
    for words, target in KEYWORDS:
        if any(word in (text or "") for word in words):
            return target
    return (OTHER, None)


def ensure_categories(apps=None, using="default", **kwargs):
    """Creates the categories of the fund rules that are missing (after a flush,
    e.g. between tests: connected to post_migrate, which flush sends too)."""
    if apps is None:
        from django.apps import apps
    try:
        SpendingCategory = apps.get_model("notices", "SpendingCategory")
    except LookupError:  # migrated back to before the categories existed
        return

    existing = {
        (c.parent.name if c.parent_id else None, c.name): c
        for c in SpendingCategory.objects.using(using)
        .filter(branch__isnull=True)
        .select_related("parent")
    }
    for name, sort, subs in CATEGORIES:
        top = existing.get((None, name))
        if top is None:
            top = SpendingCategory.objects.using(using).create(name=name, sort=sort)
        for index, sub in enumerate(subs):
            if (name, sub) not in existing:
                SpendingCategory.objects.using(using).create(
                    name=sub, parent=top, sort=sort * 10 + index
                )
