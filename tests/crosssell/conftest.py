import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Assertions below read the English source strings; the default language is zh-Hans."""
    with translation.override("en"):
        yield
