"""Runs of plain neurons as loops: the kernel code of a neuron group, and its jitted helpers.

A run of plain neurons (constant bias and weights, inputs read from state slots) in schedule
order is updated in place, in that order, which is exactly the delay rule: a neuron scheduled
earlier is heard at once, the neuron itself and later ones one sample late. The order
serialises the activations, so the group is as fast as the chain ``u_g → act → x_g → u_{g+1}``
allows; the code keeps everything else off that chain.

- **Dense** groups (at least a quarter of the possible in-group connections, fast mode): the
  in-group weights are a row-major matrix, rebuilt once per block from the parameter row by
  :func:`matrix`, and each neuron's sum over the group is one contiguous dot product (a SIMD
  reduction under the fast-math flags) with the group's outputs, read in place. Biases and
  inputs from outside the group are summed first, for every neuron, before the serial loop.
- **Sparse** groups, and every group in exact mode: each neuron's inputs as runs of adjacent
  slots in index tables, summed in the order the patch gives them (bit for bit the reference
  interpreter's sum in exact mode).

Either way the blow-up guard costs no branch per neuron: an output is compared with its
neuron's limit (``BLOWUP_LIMIT``, or −1 for a neuron muted earlier in the block) and selected
or zeroed; only when some output failed does the code after the loop (:func:`mute`) record it.
All tables live in the kernel's integer array and the per-block arrays are locals of the
driving loop, so the source does not grow with the group.

Examples
--------
>>> import numpy as np
>>> it = np.array([2, 0, 5, 3, 6], dtype=np.int64)  # 2 entries: m[0] += pc[5], m[3] += pc[6]
>>> matrix(np.arange(8.0), it, 0, 4).tolist()
[5.0, 0.0, 0.0, 6.0]
"""

from __future__ import annotations

import numba
import numpy as np

from neuromix import _config
from neuromix.graph.addresses import Key, Kind
from neuromix.nodes import get as node_type
from neuromix.nodes.activations import ACTIVATIONS

DENSE_FROM = 0.25  # share of the n² in-group connections from which a group is dense
DENSE_MAX = 1 << 22  # a dense matrix of more entries (32 MB per block) stays sparse
LIMIT = _config.BLOWUP_LIMIT
BIAS = Key(Kind.CONSTANT, "bias")


@numba.njit(cache=True, nogil=True)
def matrix(pc, it, at, size):
    """The dense in-group weights (row-major), from ``it[at]`` (target, parameter) pairs."""
    m = np.zeros(size)
    for e in range(it[at]):
        m[it[at + 1 + 2 * e]] += pc[it[at + 2 + 2 * e]]
    return m


@numba.njit(cache=True, nogil=True)
def limits(gd, it, at, n):
    """Each neuron's blow-up limit for this block: −1 (always muted) once it blew up."""
    lim = np.empty(n)
    for g in range(n):
        lim[g] = -1.0 if gd[it[at + g], 0] > 0.0 else LIMIT
    return lim


@numba.njit(cache=True, nogil=True)
def mute(i, raw, lim, gd, it, at):
    """Record the neurons whose output ``raw`` failed its limit at sample ``i`` (the loop
    wrote 0 for them); they stay muted to the end of the block."""
    for g in range(len(raw)):
        if not abs(raw[g]) < lim[g]:
            j = it[at + g]
            if gd[j, 0] == 0.0:
                gd[j, 1] = i
            gd[j, 0] += 1.0
            lim[g] = -1.0
    return 0


def plain(node, own, slots: list[int | None]) -> bool:
    """A neuron whose bias and weights are constants and whose inputs are slot reads
    (``own``: where its values live, a :class:`~neuromix.compiler.layout.NodeSlots`;
    ``slots``: where each input is read, None for a ring buffer)."""
    if node.type != "neuron" or BIAS not in own.params:
        return False
    bias = own.params[BIAS]
    return all(own.params.get(Key(Kind.CONSTANT, inp.key, True)) == bias + 1 + k  # weights
               and slot is not None  # follow the bias in the parameter row
               for k, (inp, slot) in enumerate(zip(node.inputs, slots)))


def group_lines(group, slots: list[list[int]], tables, exact: bool, use) -> list[str]:
    """The kernel lines updating ``group`` ((guard index, node, own) per neuron, in schedule
    order) whose inputs are read from ``slots``; ``tables`` is the kernel's side tables and
    ``use(name)`` the kernel's alias of a helper of this module."""
    n = len(group)
    outs = [own.outputs["out"] for _, _, own in group]
    member = {slot: g for g, slot in enumerate(outs)}
    inside = sum(slot in member for row in slots for slot in row)
    dense = not exact and inside >= DENSE_FROM * n * n and n * n <= DENSE_MAX
    default = node_type("neuron").option("act").default
    act_of = [node.options.get("act", default) for _, node, _ in group]
    acts = sorted(set(act_of))
    col = {"bias": tables.add_ints([own.params[BIAS] for _, _, own in group]),
           "guard": tables.add_ints([j for j, _, _ in group]),
           "act": tables.add_ints([acts.index(a) for a in act_of])}
    pairs: list[int] = []  # dense: (matrix entry, parameter) of every in-group weight
    rows, starts, lengths, weights = [0], [], [], []  # runs of adjacent slots, per neuron
    for g, (_, _, own) in enumerate(group):
        for k, slot in enumerate(slots[g]):
            w = own.params[BIAS] + 1 + k
            if dense and slot in member:
                pairs += [g * n + member[slot], w]
                continue
            if len(starts) > rows[-1] and starts[-1] + lengths[-1] == slot \
                    and weights[-1] + lengths[-1] == w:
                lengths[-1] += 1
            else:
                starts.append(slot)
                lengths.append(1)
                weights.append(w)
        rows.append(len(starts))
    col.update(row=tables.add_ints(rows), start=tables.add_ints(starts or [0]),
               len=tables.add_ints(lengths or [0]), weight=tables.add_ints(weights or [0]))
    lim = tables.array(f"{use('limits')}(gd, it, {col['guard']}, {n})")
    raw = tables.array(f"np.empty({n})")
    lines = [f"for g in range({n}):",  # biases and the runs of inputs (all of them if sparse)
             f"    u = pc[it[{col['bias']} + g]]",
             f"    for q in range(it[{col['row']} + g], it[{col['row']} + g + 1]):",
             f"        s0 = it[{col['start']} + q]",
             f"        w0 = it[{col['weight']} + q]",
             f"        for e in range(it[{col['len']} + q]):",
             "            u += pc[w0 + e] * st[s0 + e]"]
    if dense:
        m = tables.array(f"{use('matrix')}(pc, it, {tables.add_ints([len(pairs) // 2, *pairs])}, "
                         f"{n * n})")
        contiguous = outs == list(range(outs[0], outs[0] + n))
        x = "x" if contiguous else tables.array(f"np.empty({n})")  # else gathered and scattered
        at = tables.add_ints(outs)
        load = ([f"x = st[{outs[0]}:{outs[0] + n}]"] if contiguous else
                [f"for g in range({n}):", f"    {x}[g] = st[it[{at} + g]]"])
        lines = load + lines + [  # the neuron itself and later ones: last sample's values
            f"    row = {m}[g * {n} + g:g * {n} + {n}]",
            f"    old = {x}[g:{n}]",
            f"    for e in range({n} - g):",
            "        u += row[e] * old[e]",
            f"    {raw}[g] = u",
            "bad = 0",
            f"for g in range({n}):",  # earlier ones, updated in this sample: the serial part
            f"    row = {m}[g * {n}:g * {n} + g]",
            f"    u = {raw}[g]",
            "    for e in range(g):",
            f"        u += row[e] * {x}[e]"]
        target = f"{x}[g]"
    else:
        lines = ["bad = 0"] + lines
        target = f"st[it[{tables.add_ints(outs)} + g]]"
    if len(acts) == 1:
        lines.append(f"    v = {ACTIVATIONS[acts[0]].expr('u', exact)}")
    else:
        lines.append(f"    a = it[{col['act']} + g]")
        for k, act in enumerate(acts):
            lines += [f"    {'if' if k == 0 else 'elif'} a == {k}:" if k < len(acts) - 1
                      else "    else:", f"        v = {ACTIVATIONS[act].expr('u', exact)}"]
    lines += [f"    ok = abs(v) < {lim}[g]",  # a select, no branch: muted or bad gives 0
              "    bad += not ok",
              f"    {raw}[g] = v",
              f"    {target} = v if ok else 0.0"]
    if dense and x != "x":
        lines += [f"for g in range({n}):", f"    st[it[{at} + g]] = {x}[g]"]
    lines += ["if bad:", f"    {use('mute')}(i, {raw}, {lim}, gd, it, {col['guard']})"]
    return lines
