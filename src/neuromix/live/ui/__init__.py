"""A browser view of a playing patch: ``neuromix play PATCH --ui``.

The page shows the network (every node named, feedback and delays marked, weights as edge
width and colour), lights every neuron-like node by its output, and on selection shows its
operating point on its activation curve and its inputs' shares; a scope, a spectrum, meters
and the Lyapunov estimate of the outputs; and a control for every parameter. The server is
:class:`neuromix.live.ui.server.LiveView`, the callback's side :mod:`~neuromix.live.ui.snapshot`.
"""
