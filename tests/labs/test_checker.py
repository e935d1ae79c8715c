"""The labs' checker: a wrong answer gets feedback and a hint, a right one passes, for every
kind of exercise; results render as coloured boxes and never reveal the answer."""

from __future__ import annotations

import numpy as np
import pytest

import teachflow as tf
from teachflow import labs
from teachflow.labs import Choice, DeviceName, Exercise, Inspect, Lab, SameSet, Text, Value

SECRET = 1234.5


def make_lab() -> Lab:
    return Lab(
        "99",
        "Checker self-test",
        [
            Exercise(
                "value",
                "What is the secret?",
                Value(SECRET, mistakes={1234: "Close: mind the fraction."}),
                hints=("Look closer.", "Closer still.", "Compute it with a session."),
                explanation="Well found.",
            ),
            Exercise("array", "A 2x2 array", Value([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)),
            Exercise("choice", "a, b or c?", Choice("b", options="abc", mistakes={"a": "Not a."})),
            Exercise("text", "An op type", Text("MatMul"), expects="a string"),
            Exercise(
                "device",
                "Where did it run?",
                DeviceName("/job:localhost/replica:0/task:0/device:GPU:1"),
                expects="a device name",
            ),
            Exercise(
                "task_device",
                "Where does the ps keep it?",
                DeviceName(
                    "/job:ps/replica:0/task:0/device:CPU:0",
                    defaults="/job:worker/replica:0/task:0",
                ),
            ),
            Exercise("names", "Which ops?", SameSet(["a", "b", "c"]), expects="a list"),
            Exercise(
                "graph",
                "A graph with an op named 'z'",
                Inspect(
                    lambda g: (
                        None
                        if "z" in {op.name for op in g.get_operations()}
                        else "No op named 'z'."
                    ),
                    expects="your graph",
                ),
                hints=("Use name='z'.",),
            ),
        ],
    )


@pytest.fixture
def lab():
    return make_lab()


def test_a_right_answer_passes_and_explains(lab):
    r = lab.check("value", SECRET)
    assert r and r.passed and r.status == "correct"
    assert "Well found." in str(r)
    assert "#2e7d32" in r._repr_html_()  # green
    assert lab.progress()["value"] == "solved"


def test_a_wrong_answer_gets_the_next_hint_each_time_without_the_answer(lab):
    shown = [lab.check("value", 7.0) for _ in range(4)]
    assert [r.status for r in shown] == ["wrong"] * 4
    assert not any(shown)
    assert [r.hint for r in shown] == [
        "Look closer.",
        "Closer still.",
        "Compute it with a session.",
    ] + ["Compute it with a session."]
    assert [r.hint_number for r in shown] == [1, 2, 3, 3]
    for r in shown:
        assert "1234" not in str(r) and "1234" not in r._repr_html_()
    assert "#c62828" in shown[0]._repr_html_()  # red
    assert "labs.hint" in str(shown[0]) and "labs.hint" not in str(shown[-1])
    assert lab.progress()["value"] == "tried"


def test_known_mistakes_get_their_own_feedback(lab):
    r = lab.check("value", 1234)
    assert r.feedback == "Close: mind the fraction."
    assert lab.check("choice", "a").feedback == "Not a."


def test_hint_unlocks_hints_in_order_and_shares_progress_with_checks(lab):
    assert lab.hint("value").text == "Look closer."
    assert lab.check("value", 0).hint == "Closer still."
    card = lab.hint("value")
    assert (card.number, card.count) == (3, 3)
    assert "last hint" in str(card) and "#1565c0" in card._repr_html_()
    assert lab.hint("array").text == "This exercise has no hints."


def test_none_means_not_answered_yet_and_is_not_an_attempt(lab):
    r = lab.check("device", None)
    assert r.status == "unanswered" and not r
    assert "a device name" in str(r) and "#757575" in r._repr_html_()
    assert lab.progress()["device"] == "open"
    assert lab.check("value", 1.0).hint_number == 1


def test_values_with_tolerance_shapes_and_dtypes(lab):
    assert lab.check("value", SECRET * (1 + 1e-7))
    assert lab.check("array", np.array([[1, 2], [3, 4]], np.float32))
    shape = lab.check("array", [1.0, 2.0, 3.0, 4.0])
    assert "shape [4]" in shape.feedback
    dtype = lab.check("array", np.array([[1, 2], [3, 4]], np.float64))
    assert not dtype and "dtype" in dtype.feedback
    assert "Expected a number" in lab.check("value", "1234.5").feedback


def test_a_tensor_instead_of_its_value_is_explained():
    lab = make_lab()
    r = lab.check("value", tf.constant(SECRET))
    assert not r and "sess.run" in r.feedback
    assert "graph object" in lab.check("text", tf.constant(1.0).op).feedback


def test_choices_and_text(lab):
    assert lab.check("choice", " B ")
    assert "one of" in lab.check("choice", "d").feedback
    assert "one of" in lab.check("choice", 2).feedback
    assert lab.check("text", "MatMul")
    assert not lab.check("text", "matmul")
    assert "Expected a string" in lab.check("text", 3).feedback


def test_device_names_accept_short_forms_and_point_at_the_task(lab):
    assert lab.check("device", "/gpu:1")
    assert lab.check("device", "/job:localhost/replica:0/task:0/device:GPU:1")
    assert not lab.check("device", "/gpu:0")
    assert "type and index" in lab.check("device", "/job:localhost").feedback
    assert "not a device name" in lab.check("device", "/nonsense:1").feedback
    assert lab.check("task_device", "/job:ps/task:0/cpu:0")
    assert "job and the task" in lab.check("task_device", "/cpu:0").feedback


def test_sets_of_names_say_how_many_are_wrong_not_which(lab):
    assert lab.check("names", ["c", "a", "b"])
    r = lab.check("names", ["a", "b", "x", "y"])
    assert r.feedback == "Of the names asked for, 1 is missing and 2 should not be there."
    assert "Expected a list" in lab.check("names", "abc").feedback


def test_inspecting_what_the_student_built(lab):
    g = tf.Graph()
    with g.as_default():
        tf.constant(1.0, name="z")
    assert lab.check("graph", g)
    r = lab.check("graph", tf.Graph())
    assert r.feedback == "No op named 'z'." and r.hint == "Use name='z'."
    crashed = lab.check("graph", 42)  # the inspector raised: feedback, not an exception
    assert not crashed and "AttributeError" in crashed.feedback


def test_unknown_exercises_and_labs_fail_loudly(lab):
    with pytest.raises(KeyError, match="'value', 'array'"):
        lab.check("nope", 1)
    with pytest.raises(KeyError, match="there is no lab 98"):
        labs.lab(98)
    with pytest.raises(ValueError, match="share an id"):
        Lab("97", "dup", [Exercise("a", "", Value(1)), Exercise("a", "", Value(2))])


def test_labs_are_found_by_number_and_keep_their_state():
    assert "01" in labs.available()
    assert labs.lab(1) is labs.lab("01")
    lab01 = labs.lab("01")
    lab01.reset()
    try:
        assert labs.check("01", "value_of_f", None).status == "unanswered"
        assert labs.check("01", "value_of_f", 55).hint_number == 1
        assert labs.hint("01", "value_of_f").number == 2
        assert lab01.progress()["value_of_f"] == "tried"
        assert "value_of_f" in repr(lab01) and "<table>" in lab01._repr_html_()
    finally:
        lab01.reset()


def test_results_render_escaped_html_with_code():
    lab = Lab("96", "html", [Exercise("x", "", Inspect(lambda a: "Use `<b>` & co."))])
    html = lab.check("x", 1)._repr_html_()
    assert "<code>&lt;b&gt;</code> &amp; co." in html


def test_docstring_examples_run():
    import doctest

    import teachflow.labs.exercise
    import teachflow.labs.feedback
    import teachflow.labs.verifiers

    for module in (
        labs,
        teachflow.labs.exercise,
        teachflow.labs.feedback,
        teachflow.labs.verifiers,
    ):
        labs.lab("01").reset()
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__
    labs.lab("01").reset()
