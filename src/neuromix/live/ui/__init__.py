"""A browser view of a playing patch: ``neuromix play PATCH --ui``.

The page shows the network (every node named, feedback and delays marked, weights as edge
width and colour), lights every neuron-like node by its output, and on selection shows its
operating point on its activation curve and its inputs' shares; a scope, a spectrum, meters
and the Lyapunov estimate of the outputs; and a control for every parameter. See
:class:`~neuromix.live.ui.server.LiveView`.
"""

from neuromix.live.ui.server import LiveView

__all__ = ["LiveView"]
