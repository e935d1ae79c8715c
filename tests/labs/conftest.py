"""Each lab test starts with the lab's attempts forgotten, and leaves none behind."""

import pytest

from teachflow import labs


@pytest.fixture
def lab(request):
    """The Lab of this test module: ``tests/labs/test_lab02.py`` -> lab "02", reset."""
    number = request.module.__name__.rsplit("test_lab", 1)[-1]
    lab = labs.lab(number)
    lab.reset()
    yield lab
    lab.reset()
