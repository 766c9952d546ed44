"""Nodes that bring values and sound from outside the patch into it.

``input`` is a named value set from outside, block by block, through its address
``<id>.value`` (``CompiledPatch.set("x.value", 0.3)``). The instrument loop uses one per
controller input (mouse X, a joystick axis, a MIDI CC, an OSC value), so a whole instrument's
network stays one compiled patch run at control rate.

``audio_in`` is sound: one channel of the block of input frames the architecture hands the
kernel with each block (a sound file, the sound card's input, an array), read sample by sample
at the cost of one memory read. Where that sound comes from is not the patch's business.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=200)
>>> x = p.input(name="x")
>>> p.out(p.neuron(act="identity", inputs={x: 2.0}))
>>> c = p.compile()
>>> c.set("x.value", 0.25)
>>> float(c.process(1)[0, 0])
0.5
>>> q = nm.Patch(sr=8)
>>> q.out(q.neuron(act="identity", inputs={q.audio_in(channel=1): 2.0}))
>>> q.render(input=[[0.0, 0.25], [0.0, 0.5]])[:, 0].tolist()
[0.5, 1.0]
"""

from __future__ import annotations

from neuromix.nodes._registry import NodeType, Option, Param, register

MAX_INPUT_CHANNELS = 64  # as many as a device's channels (--channels)


def _emit_input(ctx):
    return [f"{ctx.out()} = {ctx.p('value')}"]


register(NodeType(
    "input", "A value set from outside the patch (a controller, MIDI, OSC) by its address "
             "'<id>.value'; an instrument sets one per input every control tick.",
    _emit_input,
    params=(Param("value", 0.0, doc="the current value, set from outside"),),
    category="io",
))


def _emit_audio_in(ctx):
    return [f"{ctx.out()} = {ctx.audio_in(ctx.opt('channel'))}"]


_AUDIO_IN = register(NodeType(
    "audio_in", "Sound from outside the patch: one channel of the input it is rendered or played "
                "with (render --input FILE, the sound card's input in play, "
                "render(input=array) in Python).",
    _emit_audio_in,
    options=(Option("channel", 0, kind=int, lo=0, hi=MAX_INPUT_CHANNELS - 1,
                    doc="which input channel it reads (0 is the first)"),),
    category="io",
))


def input_channels(graph) -> dict[str, int]:
    """The ``audio_in`` nodes of ``graph`` and the input channel each reads.

    >>> import neuromix as nm
    >>> p = nm.Patch()
    >>> p.out(p.audio_in(channel=1, name="right"))
    >>> input_channels(p.graph)
    {'right': 1}
    """
    default = _AUDIO_IN.option("channel").default
    return {nid: int(node.options.get("channel", default))
            for nid, node in graph.nodes.items() if node.type == "audio_in"}
