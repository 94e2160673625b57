import time


def wait_for(condition, timeout=15, interval=0.1):
    """True as soon as `condition()` is, False after `timeout` seconds: for work a
    worker thread or another process does while the test waits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False
