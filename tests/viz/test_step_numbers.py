"""Steps are numbered 1, 2, 3 per session, whatever their ids."""

import pytest

from teachflow.viz import step_numbers
from teachflow.viz.step_numbers import StepNumbers


def test_numbers_follow_first_sight_not_the_ids():
    numbers = StepNumbers()
    ids = [1313741614538161539, 27, 9_000_000_000_000_000_001]
    assert [numbers.number(i) for i in ids] == [1, 2, 3]
    assert numbers.number(27) == 2
    assert [numbers.step_id(n) for n in (1, 2, 3)] == ids


def test_an_unknown_number_says_which_exist():
    numbers = StepNumbers()
    numbers.number(5)
    with pytest.raises(ValueError, match="No step 2: steps 1 to 1 have been seen"):
        numbers.step_id(2)


def test_the_session_table_is_shared_and_resets():
    step_numbers.SESSION.number(44)
    assert step_numbers.SESSION.number(45) == 2
    step_numbers.SESSION.reset()
    assert step_numbers.SESSION.number(45) == 1
