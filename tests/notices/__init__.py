from datetime import datetime, time
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day, hour=10):
    """A moment of a Shanghai working day, for the notice clocks."""
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)
