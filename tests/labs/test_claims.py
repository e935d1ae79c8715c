"""A lab's claims print as one line each, a table in Jupyter, and say whether they hold."""

import pytest

from teachflow.labs.claims import Claim, Claims


def test_a_claim_holds_when_the_figure_is_within_its_bound():
    assert Claim("two GPUs: step / one GPU's", 0.52, "<=", 0.6).holds
    assert not Claim("two GPUs: step / one GPU's", 0.9, "<=", 0.6).holds
    assert Claim("sync below async", 0.02, ">=", 0.0, unit="nats").holds
    assert str(Claim("x", 0.9, "<=", 0.6, unit="ms")) == "✗ x: 0.9 ms (<= 0.6 ms)"


def test_an_unknown_relation_is_refused():
    with pytest.raises(ValueError, match="relation must be one of"):
        Claim("x", 1, "<", 2)


def test_claims_say_which_failed_and_render_as_a_table():
    good, bad = Claim("a", 1, "==", 1), Claim("b", 2.0, "<=", 1.0)
    claims = Claims([good, bad])
    assert not claims.all_hold and claims.failing() == [bad]
    assert repr(claims) == "Claims(2 claims, all hold: False)"
    assert str(claims).splitlines() == ["✓ a: 1 (== 1)", "✗ b: 2 (<= 1)"]
    html = claims._repr_html_()
    assert html.count("<tr>") == 3 and "#c62828" in html
