"""A placement reason is a rule plus particulars; its sentence is what the views print."""

import pytest

from teachflow.runtime.placement_reason import (
    DEFAULT,
    PlacementReason,
    PlacementRule,
)

SENTENCES = [
    (DEFAULT, "default"),
    (PlacementReason(PlacementRule.EXPLICIT), "explicit"),
    (PlacementReason(PlacementRule.DEVICE_FUNCTION), "device function"),
    (PlacementReason(PlacementRule.COLOCATED, node="w/read"), "colocated with w/read"),
    (
        PlacementReason(PlacementRule.EARLIER_RUN, node="v"),
        "colocated with v (placed in an earlier run)",
    ),
    (
        PlacementReason(PlacementRule.GENERATOR, node="x"),
        "generator placed with its consumer x",
    ),
    (
        PlacementReason(
            PlacementRule.SOFT_PLACEMENT, requested="/device:GPU:3", detail="no such device"
        ),
        "soft placement fallback from /device:GPU:3 (no such device)",
    ),
    (
        PlacementReason(
            PlacementRule.TRANSFER_SEND,
            node="a:0",
            peer="/job:worker/replica:0/task:0/device:CPU:0",
        ),
        "transfer: sends a:0 to /job:worker/replica:0/task:0/device:CPU:0",
    ),
    (
        PlacementReason(PlacementRule.TRANSFER_RECV, peer="/job:ps/replica:0/task:0/device:CPU:0"),
        "transfer: receives from /job:ps/replica:0/task:0/device:CPU:0",
    ),
]


@pytest.mark.parametrize("reason, sentence", SENTENCES)
def test_each_rule_prints_its_sentence_and_reads_back(reason, sentence):
    assert str(reason) == sentence
    assert PlacementReason.parse(sentence) == reason


def test_every_rule_has_a_sentence():
    assert {r.rule for r, _ in SENTENCES} == set(PlacementRule)


def test_an_earlier_run_is_not_read_as_a_node_named_with_parentheses():
    parsed = PlacementReason.parse("colocated with v (placed in an earlier run)")
    assert (parsed.rule, parsed.node) == (PlacementRule.EARLIER_RUN, "v")


def test_words_in_a_reason_match_its_sentence():
    soft = PlacementReason(PlacementRule.SOFT_PLACEMENT, requested="/gpu:1", detail="x")
    assert "soft placement" in soft and "explicit" not in soft


def test_an_unknown_sentence_is_refused():
    with pytest.raises(ValueError, match="not a placement reason"):
        PlacementReason.parse("because I said so")
