"""The Chinese reads as a union office would write it (issue 16).

The catalogue is read with a tiny .po parser (no polib), and the compiled
translations are checked through Django with zh-hans active, so a wording
overridden here for allauth or Django itself is what the user really sees.
"""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import PASSWORD, user_with_role

ROOT = Path(__file__).resolve().parents[2]
# Ours, and our wording of the libraries' strings (kept apart from `make messages`).
CATALOGUES = [ROOT / folder / "zh_Hans" / "LC_MESSAGES" / "django.po"
              for folder in ("locale", "locale_overrides")]  # fmt: skip
HAN = re.compile(r"[\u4e00-\u9fff]")
# Placeholders, HTML tags and “quoted” literals (header names, file names) are not prose.
NOT_PROSE = re.compile(r"%\(\w+\)[sdr]|%[sd]|\{\w+\}|<[^>]*>|“[^”]*”")


def _unescape(text):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def catalogue():
    """[(msgctxt, msgid, [msgstr, ...])] of every entry but the header."""
    entries = []
    blocks = [b for po in CATALOGUES for b in po.read_text(encoding="utf-8").split("\n\n")]
    for block in blocks:
        fields, current = {}, None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            match = re.match(r'(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if fields.get("msgid"):
            strs = [_unescape(v) for k, v in fields.items() if k.startswith("msgstr")]
            entries.append((fields.get("msgctxt"), _unescape(fields["msgid"]), strs))
    return entries


def test_the_catalogue_is_parsed():
    assert len(catalogue()) > 800


def test_no_translation_says_ni_only_nin():
    informal = [msgid for _, msgid, strs in catalogue() if any("你" in s for s in strs)]
    assert informal == []


def test_no_chinese_text_uses_half_width_colon_or_parentheses():
    mixed = []
    for _, msgid, strs in catalogue():
        for text in strs:
            prose = NOT_PROSE.sub("", text)
            if HAN.search(prose) and re.search(r":(\s|$)|[()]", prose):
                mixed.append((msgid, text))
    assert mixed == []


ISSUE_WORDINGS = [
    (None, "Fairness dashboard", "诉求办理时效统计"),
    (None, "Escalations per officer", "各委员逾期上报次数"),
    (None, "everyone else", "其他职工"),
    (None, "Escalated", "已提级办理"),
    (None, "Closed", "已办结"),
    (None, "Accept and close", "满意，办结"),
    (None, "Reopen", "重新办理"),
    (None, "Final", "公示期满"),
    (None, "Lapsed", "会籍中止"),
    (None, "Winner", "拟表彰人选"),
    (None, "winner", "拟表彰人选"),
    (None, "who may know it is you", "是否实名"),
    (None, "Hardship", "困难职工"),
    (None, "This date is in the future.", "日期不能晚于今天。"),
    (None, "Verify Your Email Address", "验证您的邮箱"),
    (
        None,
        "Already have an account? Then please %(link)ssign in%(end_link)s.",
        "已有账号？请%(link)s登录%(end_link)s。",
    ),
    (None, "Change password", "修改密码"),
    (None, "Open", "进入"),
    (
        None,
        "Every case has a clock, an owner and a visible status. You will see every step.",
        "每条诉求都有办理时限和承办人，进度可随时查看。",
    ),
    (None, "Successfully signed in as %(name)s.", "%(name)s，您好！您已成功登录。"),
]


@pytest.mark.parametrize(("context", "msgid", "expected"), ISSUE_WORDINGS)
def test_the_wordings_asked_for_in_the_issue(context, msgid, expected):
    with translation.override("zh-hans"):
        got = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
    assert got == expected


def test_the_waitlist_mail_invites_to_the_next_event():
    msgid = (
        "“{title}” has started and you were still on the waiting list. "
        "We hope to see you next time."
    )
    with translation.override("zh-hans"):
        assert translation.gettext(msgid).endswith("欢迎下次参加。")


def test_django_password_rules_say_nin():
    with translation.override("zh-hans"):
        text = translation.gettext("Your password can’t be entirely numeric.")
    assert text.startswith("您")


def test_signing_in_greets_the_member_by_name(client, branch):
    user = user_with_role("member", branch, name="张晓梅")
    client.cookies["django_language"] = "zh-hans"
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True
    )
    page = response.content.decode()
    assert "张晓梅，您好！您已成功登录。" in page
    assert user.username not in page


def test_menu_and_home_cards_use_native_wording(client, people):
    client.cookies["django_language"] = "zh-hans"
    client.force_login(people["officer"])
    page = client.get(reverse("core:home")).content.decode()
    assert ">修改密码<" in page
    assert ">进入<" in page and ">打开<" not in page


# --- messages a member sees under a field (issue 15) ---------------------------------

# An ASCII full stop or comma straight after a Chinese character (or its closing
# bracket): Chinese text ends with 。 and pauses with ，or 、.
ASCII_STOP_AFTER_HAN = re.compile(r"[\u4e00-\u9fff）][.,]")
# Arguments of the yesno filter: its separator is the ASCII comma, not prose.
SEPARATED_LISTS = {"Yes,No", "yes,no", "yes,no,maybe"}


def _awkward(text):
    prose = NOT_PROSE.sub("", text)
    problems = []
    if "该变量" in text:
        problems.append("该变量")
    if ASCII_STOP_AFTER_HAN.search(prose):
        problems.append("ASCII . or , after Chinese")
    return problems


def test_no_translation_says_gai_bianliang_or_puts_an_ascii_stop_after_chinese():
    awkward = [
        (msgid, text, _awkward(text))
        for _, msgid, strs in catalogue()
        if msgid not in SEPARATED_LISTS
        for text in strs
        if _awkward(text)
    ]
    assert awkward == []


def _django_messages():
    """Django's own messages a member can meet on the portal's forms: every form
    field's and model field's default messages, the validators the portal's fields
    use, formsets and password checks (plurals asked for with 1 and 2)."""
    from django import forms
    from django.core import validators
    from django.db import models

    messages = []
    for module in (forms, models):
        for name in dir(module):
            cls = getattr(module, name)
            if isinstance(cls, type) and hasattr(cls, "default_error_messages"):
                for klass in cls.__mro__:
                    messages += list(vars(klass).get("default_error_messages", {}).values())
    messages += [
        validators.EmailValidator.message,
        validators.URLValidator.message,
        validators.ProhibitNullCharactersValidator.message,
        *validators.DecimalValidator.messages.values(),
    ]
    plurals = [
        ("Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
         "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d)."),
        ("Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
         "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d)."),
        ("Please submit at most %(num)d form.", "Please submit at most %(num)d forms."),
        ("Please submit at least %(num)d form.", "Please submit at least %(num)d forms."),
    ]  # fmt: skip
    with translation.override("zh-hans"):
        texts = [str(m) for m in messages]
        texts += [translation.ngettext(s, p, n) for s, p in plurals for n in (1, 2)]
        texts += [
            translation.gettext(m)
            for m in (
                "Ensure this value is less than or equal to %(limit_value)s.",
                "Ensure this value is greater than or equal to %(limit_value)s.",
                "Ensure this value is a multiple of step size %(limit_value)s.",
                "Please correct the duplicate values below.",
                "Please correct the duplicate data for %(field)s, which must be unique.",
                "%(model_name)s with this %(field_label)s already exists.",
                "%(model_name)s with this %(field_labels)s already exists.",
                "The two password fields didn’t match.",
                "CSRF verification failed. Request aborted.",
            )
        ]
        try:
            from django.contrib.auth.password_validation import validate_password

            validate_password("1")
        except Exception as exc:  # ValidationError: the messages of every failed check
            texts += list(exc.messages)
    return texts


def test_djangos_messages_under_a_field_read_as_plain_chinese():
    texts = _django_messages()
    assert len(texts) > 60
    assert "不能超过 10000 个字（现有 10001 个字）。" in [
        t % {"limit_value": 10000, "show_value": 10001} for t in texts if "%(limit_value)d" in t
    ]
    awkward = [(t, _awkward(t)) for t in texts if _awkward(t) or "该值" in t]
    assert awkward == []


def test_a_too_long_text_is_explained_in_plain_chinese():
    from django import forms

    with translation.override("zh-hans"), pytest.raises(forms.ValidationError) as refused:
        forms.CharField(max_length=5).clean("工会服务平台")
    assert refused.value.messages == ["不能超过 5 个字（现有 6 个字）。"]
