import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_services():
    """Messages from the services read in English, whatever a test activated before."""
    with translation.override("en"):
        yield
