"""The Preview button of a form with a Markdown field: the same form shown again
with the text as readers will see it, nothing saved."""

from django.contrib import messages

from .markdown import markdown_preview, removed_message, removed_parts

PREVIEW_BUTTON = "preview"


def is_preview(request) -> bool:
    """The Preview button was pressed: the view must neither save nor publish."""
    return request.method == "POST" and PREVIEW_BUTTON in request.POST


def preview_context(text: str, *, has_files=False) -> dict:
    """What templates/markdown_preview.html shows: the sanitised HTML and, if the
    sanitiser took anything out, the sentence saying what. `has_files`: the form
    uploads files, which a browser never sends again (the page says so)."""
    html, removed = markdown_preview(text or "")
    return {
        "html": html,
        "removed": removed_message(removed) if removed else "",
        "has_files": has_files,
    }


def warn_if_removed(request, text: str) -> None:
    """After saving: tells the writer what the sanitiser removed, if anything."""
    removed = removed_parts(text or "")
    if removed:
        messages.warning(request, removed_message(removed))
