"""Plain-language readings of a neuron's measures, one line per neuron.

Examples
--------
>>> import numpy as np
>>> from neuromix.analysis.report.measures import Neuron
>>> n = Neuron("a", "neuron", "identity", np.ones(10), [], 0.0, 0.0, False,
...            pre=np.ones(10), curve=lambda u: u)
>>> summarise(n)
'linear mixer: passes the weighted sum through unchanged.'
"""

from __future__ import annotations

import numpy as np

from neuromix import features
from neuromix.analysis.report.measures import Neuron

SILENT_RMS = 1e-4


def pct(v: float) -> str:
    return f"{100 * v:.0f}%"


def _shape(neuron: Neuron) -> str:
    """What its activation does with its input, from where the input falls on the curve."""
    act = neuron.act
    if features.rms(neuron.out) < SILENT_RMS:
        return "nearly silent: its inputs cancel out or it is cut off"
    if neuron.type == "learner_net":
        layers = " → ".join(str(s) for s in neuron.layers or [])
        return f"a learning network (layers {layers}, {act or 'tanh'})"
    if neuron.curve is None:
        return f"a {neuron.type} node: output RMS {features.rms(neuron.out):.3g}"
    if act == "nlc":
        low = float(np.mean(neuron.pre <= 0.0))
        high = float(np.mean(neuron.pre >= 10.0))
        return (f"NLC neuron: its comparator holds it at +response {pct(low)} of the time "
                f"(sum at or below 0 V), clamped at 10 V {pct(high)}, following its sum "
                f"{pct(1 - low - high)}")
    if act == "identity":
        return "linear mixer: passes the weighted sum through unchanged"
    if act == "step":
        return (f"comparator: switches between -1 and +1 about "
                f"{neuron.switches_per_s / 2:.0f} times per second")
    if act in ("relu", "halfwave", "leaky_relu"):
        return f"rectifier: cuts off the negative part of its input {pct(neuron.negative)} of the time"
    if act == "abs":
        return "full-wave rectifier: folds negative input up (doubles frequencies)"
    if act == "sin":
        return (f"wavefolder: its input leaves the first rise of the sine "
                f"{pct(1 - neuron.linear)} of the time" if neuron.linear < 0.9
                else "gentle sine shaper: works in its near-linear range")
    if neuron.saturated > 0.6:
        return (f"mostly saturated: acts like a comparator ({pct(neuron.saturated)} of the time "
                f"flat at its limits, switching about {neuron.switches_per_s / 2:.0f} times per "
                f"second)")
    if neuron.linear > 0.8:
        return (f"linear mixer: stays in the linear region of {act} {pct(neuron.linear)} of the "
                f"time (little distortion)")
    return (f"soft clipper: linear {pct(neuron.linear)} of the time, saturated "
            f"{pct(neuron.saturated)} (adds harmonics)")


def _learning(neuron: Neuron) -> str | None:
    """How a learner's error went: its RMS over the first and the last tenth of the render."""
    if neuron.error is None or len(neuron.error) < 20:
        return None
    tenth = len(neuron.error) // 10
    first, last = features.rms(neuron.error[:tenth]), features.rms(neuron.error[-tenth:])
    if abs(last - first) <= 0.05 * max(first, last):
        return f"learning: its error stayed near RMS {last:.3g}"
    verb = "fell" if last < first else "rose"
    return f"learning: its error {verb} from RMS {first:.3g} to {last:.3g}"


def summarise(neuron: Neuron) -> str:
    """A short plain-language reading of a neuron's measures."""
    parts = [_shape(neuron)]
    learning = _learning(neuron)
    if learning:
        parts.append(learning)
    if neuron.inputs:
        top = max(neuron.inputs, key=lambda i: i.share)
        parts.append(f"driven mostly by {top.source} ({pct(top.share)})")
    driven = [i.source for i in neuron.inputs if i.driven]
    if driven and neuron.type != "learner":
        parts.append(f"the weight{'s' if len(driven) > 1 else ''} of {', '.join(driven)} "
                     f"move{'' if len(driven) > 1 else 's'} with a signal")
    if neuron.bias_share > 0.3:
        parts.append(f"its {'sense' if neuron.act == 'nlc' else 'bias'} is "
                     f"{pct(neuron.bias_share)} of the drive")
    if neuron.in_loop:
        parts.append("part of a feedback loop")
    return "; ".join(parts) + "."
