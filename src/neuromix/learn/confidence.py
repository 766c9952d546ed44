"""How far to trust a fit: its loss against outputs that know nothing, and whether restarts agree.

A loss alone says little (0.05 is close for one target, poor for another), so a fit's best
loss is set against the loss of two outputs that know nothing about the target: silence, and
the target's mean held constant (a DC output). The **ratio** ``best / min(silent, mean)`` is
0 for a perfect match and 1 for a fit no better than silence. A fit runs several restarts from
different starting points; when two of them end near the best loss (within :data:`NEAR` of the
baseline) with values more than :data:`SAME` of their search range apart, the sound does not
pin those values down (a symmetry, such as ``w`` and ``−w`` sounding alike), and a warning
says so (one per other answer, naming the restarts that found it). A value that ends on the
edge of its search range (not a hard limit of the node) gets a warning too: the answer may lie
outside it.

Examples
--------
>>> import numpy as np
>>> runs = [Run(1e-6, np.array([0.5]), "tolx"), Run(2e-6, np.array([-0.5]), "tolx")]
>>> c = judge(1e-6, silent=1.5, mean=2.5, runs=runs, addresses=["a.w.s"],
...           ranges=[(-3.0, 3.0)], limits=[(-1e6, 1e6)])
>>> c.verdict, round(c.ratio, 9)
('a close match', 6.67e-07)
>>> print(c.lines()[0])  # doctest: +NORMALIZE_WHITESPACE
confidence: a close match: best loss 1e-06 is 6.67e-05% of a silent output's (1.5;
a constant output's 2.5)
>>> print(c.warnings[0])  # doctest: +NORMALIZE_WHITESPACE
restarts disagree: restart 2 reached loss 2e-06 (the best 1e-06) with a.w.s -0.5 (best 0.5):
the sound does not pin these values down
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

NEAR = 0.01  # restarts whose losses differ by less than 1% of the baseline reached "the same"
SAME = 0.01  # values within 1% of their search range agree
EDGE = 1e-3  # a value within 0.1% of its search range's edge sits on it
VERDICTS = ((0.01, "a close match"), (0.1, "an approximate match"), (0.5, "a poor match"),
            (float("inf"), "hardly better than silence or a constant"))


@dataclass
class Run:
    """One restart: the best loss it reached, its values there and why it stopped."""

    loss: float
    values: np.ndarray
    stop: str


@dataclass
class Confidence:
    """A fit's best loss set against silence and a constant, and what its restarts found."""

    loss: float
    silent: float
    mean: float
    runs: list[Run]
    addresses: list[str]
    agree: int  # restarts (the best included) that reached the best loss with the same values
    warnings: list[str] = field(default_factory=list)

    @property
    def baseline(self) -> float:
        """The loss of the better of the two know-nothing outputs."""
        return min(self.silent, self.mean)

    @property
    def ratio(self) -> float:
        """Best loss over the baseline: 0 is a perfect match, 1 no better than silence."""
        return self.loss / self.baseline if self.baseline > 0 else float("inf")

    @property
    def verdict(self) -> str:
        return next(words for below, words in VERDICTS if self.ratio < below)

    def lines(self) -> list[str]:
        """What the command line prints: the confidence, the restarts, then any warnings."""
        losses = ", ".join(f"{r.loss:.3g}" for r in self.runs)
        kinds = sorted([(self.silent, "a silent"), (self.mean, "a constant")])
        return [f"confidence: {self.verdict}: best loss {self.loss:.3g} is "
                f"{100 * self.ratio:.3g}% of {kinds[0][1]} output's ({kinds[0][0]:.3g}; "
                f"{kinds[1][1]} output's {kinds[1][0]:.3g})",
                f"restarts: {len(self.runs)} (losses {losses}); {self.agree} reached the best "
                f"with the same values"] + [f"warning: {w}" for w in self.warnings]

    def as_dict(self) -> dict:
        """For the JSON report."""
        return {"ratio": self.ratio, "verdict": self.verdict, "silent_loss": self.silent,
                "mean_loss": self.mean, "agree": self.agree, "warnings": list(self.warnings),
                "restarts": [{"loss": r.loss, "stop": r.stop,
                              "values": dict(zip(self.addresses, map(float, r.values)))}
                             for r in self.runs]}


def judge(loss: float, silent: float, mean: float, runs: list[Run], addresses: list[str],
          ranges: list[tuple[float, float]], limits: list[tuple[float, float]]) -> Confidence:
    """Judge a fit whose best loss is ``loss`` (the best of ``runs``); ``ranges`` are the
    search ranges, ``limits`` the nodes' own hard limits (an edge there is no warning)."""
    width = np.array([hi - lo for lo, hi in ranges])
    best = min(runs, key=lambda r: r.loss) if runs else None
    baseline = min(silent, mean)
    warnings, agree, others = [], 0, []  # others: (restart numbers, their first run)
    for number, run in enumerate(runs, 1):
        if best is None or run.loss - best.loss > NEAR * baseline:
            continue
        if not (np.abs(run.values - best.values) > SAME * width).any():
            agree += 1
            continue
        same = next((o for o in others
                     if not (np.abs(run.values - o[1].values) > SAME * width).any()), None)
        if same is None:
            others.append(([number], run))
        else:
            same[0].append(number)
    for numbers, run in others:
        who = (f"restart {numbers[0]}" if len(numbers) == 1 else
               f"restarts {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}")
        apart = np.abs(run.values - best.values) > SAME * width
        differ = ", ".join(f"{addresses[i]} {run.values[i]:.4g} (best {best.values[i]:.4g})"
                           for i in np.flatnonzero(apart))
        warnings.append(f"restarts disagree: {who} reached loss {run.loss:.3g} (the best "
                        f"{best.loss:.3g}) with {differ}: the sound does not pin these values "
                        f"down")
    if best is not None:
        for i, (address, (lo, hi), (hard_lo, hard_hi)) in enumerate(zip(addresses, ranges,
                                                                         limits)):
            value = best.values[i]
            for edge, hard in ((lo, hard_lo), (hi, hard_hi)):
                if abs(value - edge) <= EDGE * width[i] and edge != hard:
                    warnings.append(f"{address} ended on the edge of its search range "
                                    f"({lo:.4g} to {hi:.4g}): the answer may lie beyond; "
                                    f"widen it (--param {address}=LO:HI)")
    return Confidence(loss, silent, mean, runs, list(addresses), agree, warnings)
