"""What every app's services raise when a rule refuses a request, and the one way
views turn that into a message for the user."""

from django.contrib import messages


class RuleError(Exception):
    """A request the rules refuse; the message is for the user."""


def perform(request, action, done=None):
    """Calls `action()`. A refusal becomes an error message and None is returned;
    otherwise `done` (a message, or a function of the result giving one) is shown
    and the result returned."""
    try:
        result = action()
    except RuleError as exc:
        messages.error(request, str(exc))
        return None
    if done is not None:
        messages.success(request, str(done(result) if callable(done) else done))
    return result
