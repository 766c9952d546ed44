"""neuromix: make music and sound with artificial neurons.

Build a patch of oscillators and neurons (with feedback anywhere), compile it to one fused
kernel and render it far faster than real time.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=48000)
>>> a = p.neuron(act="tanh", bias=0.1)
>>> b = p.neuron(act="tanh", bias=-0.05)
>>> a.input(p.sine(110), 1.5); a.input(b, 1.2)
>>> b.input(p.tri(165), 1.3); b.input(a, -1.4)
>>> p.out(0.5 * (a + b))
>>> p.render(seconds=0.01).shape
(480, 1)
"""

from neuromix._config import __version__
from neuromix.errors import NeuromixError, PatchError
from neuromix.patch import Patch, load

__all__ = ["NeuromixError", "Patch", "PatchError", "load", "__version__"]
