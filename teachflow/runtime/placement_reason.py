"""Why the placer put a node where it did: a rule and its particulars, as data.

The placer decides by rule (TensorFlow's simple placement rules); the views print the
decision in words. Keeping the rule as an enum lets the placer and the labs ask *which*
rule applied without comparing sentences, while ``str()`` gives the sentence every view
shows. A remote master sends the sentence (the wire carries text), and `PlacementReason.parse`
reads it back.

    >>> from teachflow.runtime.placement_reason import PlacementReason, PlacementRule
    >>> why = PlacementReason(PlacementRule.SOFT_PLACEMENT, requested="/device:GPU:3",
    ...                       detail="no such device")
    >>> str(why)
    'soft placement fallback from /device:GPU:3 (no such device)'
    >>> PlacementReason.parse(str(why)) == why
    True
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class PlacementRule(enum.Enum):
    """The rule that decided a node's device."""

    DEFAULT = "default"  # nothing asked: GPU:0 if it has a kernel there, else CPU:0
    EXPLICIT = "explicit"  # a tf.device string
    DEVICE_FUNCTION = "device function"  # a tf.device function (replica_device_setter...)
    COLOCATED = "colocated"  # went with its colocation group's decision
    EARLIER_RUN = "earlier run"  # its group was placed in an earlier run and stays there
    GENERATOR = "generator"  # an unpinned constant-like op follows its only consumer
    SOFT_PLACEMENT = "soft placement"  # the request could not be met; fell back
    TRANSFER_SEND = "transfer send"  # a _Send the master added between two tasks
    TRANSFER_RECV = "transfer recv"  # its _Recv, on the receiving task


# The sentence each rule prints as; ``{node}``, ``{requested}`` and ``{detail}`` are fields.
_SENTENCES = {
    PlacementRule.DEFAULT: "default",
    PlacementRule.EXPLICIT: "explicit",
    PlacementRule.DEVICE_FUNCTION: "device function",
    PlacementRule.COLOCATED: "colocated with {node}",
    PlacementRule.EARLIER_RUN: "colocated with {node} (placed in an earlier run)",
    PlacementRule.GENERATOR: "generator placed with its consumer {node}",
    PlacementRule.SOFT_PLACEMENT: "soft placement fallback from {requested} ({detail})",
    PlacementRule.TRANSFER_SEND: "transfer: sends {node} to {peer}",
    PlacementRule.TRANSFER_RECV: "transfer: receives from {peer}",
}


def _pattern(sentence: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", sentence)
    # Even parts are literal text, odd parts field names.
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(regex + r"\Z")


# Longest sentences first, so "colocated with x (placed in an earlier run)" is not read as
# COLOCATED with a node named "x (placed in an earlier run)".
_PATTERNS = sorted(
    ((rule, _pattern(s)) for rule, s in _SENTENCES.items()),
    key=lambda rs: -len(_SENTENCES[rs[0]]),
)


@dataclass(frozen=True, slots=True)
class PlacementReason:
    """A placement decision's rule, with the node, request and detail it refers to."""

    rule: PlacementRule
    # COLOCATED / EARLIER_RUN: the group's node; GENERATOR: the consumer; TRANSFER_SEND:
    # the tensor sent
    node: str = ""
    requested: str = ""  # SOFT_PLACEMENT: the device request that could not be met
    detail: str = ""  # SOFT_PLACEMENT: "no such device" or "no kernel for it there"
    peer: str = ""  # TRANSFER_*: the device at the other end

    def __str__(self) -> str:
        return _SENTENCES[self.rule].format(
            node=self.node, requested=self.requested, detail=self.detail, peer=self.peer
        )

    def __contains__(self, words: str) -> bool:
        # A student's ``"soft" in record.reason`` reads the sentence, as it did when the
        # reason was one; code asks ``record.reason.rule`` instead.
        return words in str(self)

    @classmethod
    def parse(cls, text: str) -> PlacementReason:
        """The reason a sentence printed by ``str()`` stands for (a remote master's record)."""
        for rule, pattern in _PATTERNS:
            m = pattern.match(text)
            if m:
                return cls(rule, **m.groupdict())
        raise ValueError(f"not a placement reason: {text!r}")


DEFAULT = PlacementReason(PlacementRule.DEFAULT)
EXPLICIT = PlacementReason(PlacementRule.EXPLICIT)
DEVICE_FUNCTION = PlacementReason(PlacementRule.DEVICE_FUNCTION)
