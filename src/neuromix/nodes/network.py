"""The ``network`` node: a whole recurrent network of N neurons in one node, as a reservoir.

Every recurrent connection is one sample late (as in RTNeural's recurrent layers and in echo
state networks), so the N activations of a step are independent and computed as a group: one
matrix-vector product, the activation over the whole group at once, then the leaky update::

    u[n] = bias + w_gain·W·x[n−1] + in_gain·In·inputs[n] + Fb·y[n−1]
    x[n] = leak·act(u[n]) + (1 − leak)·x[n−1]          (per neuron)
    y[n] = readout_bias + out_gain·R·x[n] + D·y[n−1]   (K readouts)

``x[−1]`` is ``state`` and ``y[−1]`` is ``start_out``: both are parameters, so a reset starts
from them (a trained reservoir continues its target). The main output is readout 0, further
readouts are the ports ``y1`` … ``y{K−1}``.

With ``morph: m`` (K ≥ 2 readouts, one per learned sound) the readouts are blended instead: the
main output is ``b = (1 − f)·y_j + f·y_{j+1}`` with ``j = ⌊m⌋`` and ``f = m − j`` (``m``
clipped to 0 … K−1), and every readout's ``y[n−1]`` (in the feedback and ``direct``) is that
blend, so the network plays sound 0 at ``m = 0``, sound 1 at ``m = 1``, and moves between
them continuously. ``id.morph`` is a parameter (set live, fitted); the ports ``y1`` … still
give each readout on its own.

Arrays come inline (lists in the patch) or from a ``.npy`` (the matrix ``w`` alone) or ``.npz``
file named by ``weights:``, relative to the patch file; an array given in neither place takes
its default. Files are read without pickle and checked (shape, dtype, finite values, size)
before use. Every entry is a parameter with its own address, settable live and fittable:

================  ==========  ==============================  ======================
array             shape       address                         default
================  ==========  ==============================  ======================
``w``             N × N       ``id.w.<i>.<j>`` (j into i)     0
``in``            N × I       ``id.in.<i>.<source>``          0
``bias``          N           ``id.bias.<i>``                 0
``leak``          N           ``id.leak.<i>``                 1 (no leak)
``feedback``      N × K       ``id.fb.<i>.<k>``               0
``readout``       K × N       ``id.out.<k>.<j>``              readout k = neuron k
``readout_bias``  K           ``id.out.<k>.bias``             0
``direct``        K × K       ``id.out.<k>.y.<l>``            0
``state``         N           ``id.state.<i>``                0
``start_out``     K           ``id.out.<k>.start``            0
================  ==========  ==============================  ======================

Three gains scale whole arrays without touching their entries: ``w_gain`` the recurrent matrix
(so ``w_gain`` scales the spectral radius), ``in_gain`` the input weights, ``out_gain`` the
readout matrix; each is one parameter (``id.w_gain``), settable live, fittable and drivable by
a signal, and the effective weights are the gain times the entries. At 1 (the default) the
sums are exactly those without a gain.

With ``dtype: float32`` the group runs in single precision (weights converted once per block,
constants typed float32): twice the SIMD width, about 1e-7 relative rounding. ``tanh`` runs as a
rational approximation over the group (error below 2e-8 in float64), exact ``math.tanh`` when
the kernel is compiled exact.

Examples
--------
>>> import neuromix as nm
>>> p = nm.Patch(sr=8)
>>> net = p.network(act="identity", w=[[0.0, 0.5], [0.5, 0.0]], state=[1.0, 0.0],
...                 readout=[[1.0, 1.0]], name="net")
>>> p.out(net)
>>> p.render(frames=4)[:, 0].tolist()
[0.5, 0.25, 0.125, 0.0625]
"""

from __future__ import annotations

import math
import os
import zipfile

import numba
import numpy as np

from neuromix.errors import PatchError, nearest
from neuromix.nodes._registry import (Buffer, FilePath, NodeType, Option, Param, ParamArray,
                                      State, register)
from neuromix.nodes.activations import ACTIVATIONS

MAX_NEURONS = 2048
MAX_OUTPUTS = 64
MAX_INPUTS = 256
MAX_FILE_BYTES = 256 * 2**20  # a weights file (or one member of an .npz) larger than this is refused
ARRAYS = ("w", "in", "bias", "leak", "feedback", "readout", "readout_bias", "direct", "state",
          "start_out")
DTYPES = ("float64", "float32")
# gains of whole arrays, each a parameter (one address, one line in a take's changes.csv):
# name -> (the array it scales, what it is)
GAINS = {"w_gain": ("w", "the recurrent matrix w (its spectral radius scales with it)"),
         "in_gain": ("in", "the input weights in"),
         "out_gain": ("readout", "the readout matrix")}
GAIN_LIMIT = 100.0
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}  # as the kernel's (codegen.FASTMATH)
TANH_CLAMP = 9.0
# tanh(v) ≈ v·P(v²)/Q(v²) on |v| ≤ 9 (clamped beyond): max error 1.9e-8, fitted for neuromix
TANH_P = (0.9999999061148547, 0.13373188335201153, 0.003486572028560131,
          2.0471718949405856e-05, 1.3184164787682917e-08)
TANH_Q = (1.0, 0.4670648515029016, 0.025841938401706184, 0.00032713714439876163,
          7.702619073193806e-07)


# -- reading the arrays -----------------------------------------------------------------------
_FILES: dict = {}  # (path, mtime, size) -> {name: array}: each file read once per change


def _fail(node, message, hint=None):
    raise PatchError(message, node=node.id, field="weights", hint=hint)


def _npy(node, stream, what: str) -> np.ndarray:
    """One .npy array from an open binary stream: header checked before any data is read."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(stream)
        header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        shape, fortran, dtype = header(stream, max_header_size=10_000)
    except (ValueError, OSError, SyntaxError, TypeError) as err:
        _fail(node, f"{what} is not a valid .npy array ({err})")
    if dtype.hasobject or dtype.kind not in "fiu" or dtype.names is not None:
        _fail(node, f"{what} holds {dtype} values; weights are real numbers (float or int)")
    count = int(np.prod(shape, dtype=np.float64))
    if len(shape) > 2 or count > MAX_NEURONS * MAX_NEURONS:
        _fail(node, f"{what} declares shape {tuple(shape)}: at most 2 dimensions and "
                    f"{MAX_NEURONS}² entries")
    data = stream.read(count * dtype.itemsize)
    if len(data) != count * dtype.itemsize:
        _fail(node, f"{what} is cut short: shape {tuple(shape)} needs {count * dtype.itemsize} "
                    f"bytes of data, it has {len(data)}")
    order = "F" if fortran else "C"
    return np.frombuffer(data, dtype=dtype).reshape(shape, order=order).astype(np.float64)


def _read_file(node, ref: FilePath) -> dict:
    path = ref.resolve()
    try:
        st = os.stat(path)
    except OSError:
        _fail(node, f"weights file '{ref}' not found (looked for {path})")
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key in _FILES:
        return _FILES[key]
    if st.st_size > MAX_FILE_BYTES:
        _fail(node, f"weights file '{ref}' is {st.st_size} bytes; at most {MAX_FILE_BYTES}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            with open(path, "rb") as fh:
                arrays = {"w": _npy(node, fh, f"'{ref}'")}
        elif suffix == ".npz":
            arrays = {}
            with zipfile.ZipFile(path) as zf:
                members = zf.infolist()
                if len(members) > len(ARRAYS):
                    _fail(node, f"'{ref}' holds {len(members)} arrays; a network has at most "
                                f"{len(ARRAYS)} ({', '.join(ARRAYS)})")
                for info in members:
                    name = info.filename.removesuffix(".npy")
                    if name not in ARRAYS:
                        _fail(node, f"'{ref}' holds an array '{name}' a network does not have",
                              nearest(name, ARRAYS) or f"arrays: {', '.join(ARRAYS)}")
                    if info.file_size > MAX_FILE_BYTES:
                        _fail(node, f"array '{name}' in '{ref}' unpacks to {info.file_size} "
                                    f"bytes; at most {MAX_FILE_BYTES}")
                    with zf.open(info) as fh:
                        arrays[name] = _npy(node, fh, f"array '{name}' in '{ref}'")
        else:
            _fail(node, f"weights file '{ref}' must be .npy (the matrix w) or .npz (named arrays)")
    except (OSError, zipfile.BadZipFile, EOFError, RuntimeError) as err:
        _fail(node, f"cannot read weights file '{ref}': {err}")
    if len(_FILES) >= 4:  # keep the latest few: big weight sets are not hoarded
        _FILES.pop(next(iter(_FILES)))
    _FILES[key] = arrays
    return arrays


def _inline(node, name, value) -> np.ndarray:
    """An inline array option: a number, a list of numbers or a list of equal rows."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise PatchError(f"{name} must be a number, a list of numbers or a list of rows of "
                         f"numbers", node=node.id, field=name) from None
    if arr.ndim > 2 or arr.size > MAX_NEURONS * MAX_NEURONS:
        raise PatchError(f"{name} has shape {arr.shape}: at most 2 dimensions and "
                         f"{MAX_NEURONS}² entries", node=node.id, field=name)
    return arr


def network_arrays(node) -> dict[str, np.ndarray]:
    """Every array of a network node, checked and with defaults filled in; PatchError if bad.

    Examples
    --------
    >>> from neuromix.graph.graph import Node
    >>> a = network_arrays(Node("n", "network", options={"w": [[0.5]], "leak": 0.25}))
    >>> a["w"].shape, a["leak"].tolist(), a["readout"].tolist()
    ((1, 1), [0.25], [[1.0]])
    """
    morph = node.options.get("morph")
    given: dict[str, tuple[np.ndarray, str]] = {}
    ref = node.options.get("weights")
    if ref is not None:
        if not isinstance(ref, str) or not ref:
            raise PatchError(f"weights must be a file name (.npy or .npz), not {ref!r}",
                             node=node.id, field="weights")
        ref = ref if isinstance(ref, FilePath) else FilePath(ref)
        given = {k: (v, f"array '{k}' in '{ref}'") for k, v in _read_file(node, ref).items()}
    for name in ARRAYS:
        if node.options.get(name) is not None:
            if name in given:
                raise PatchError(f"{name} is given inline and in the weights file '{ref}'",
                                 node=node.id, field=name, hint="keep one of them")
            given[name] = (_inline(node, name, node.options[name]), name)
    n = _size(node, given)
    inputs = [inp.key for inp in node.inputs]
    outs = _outputs(node, given)
    shapes = {"w": (n, n), "in": (n, len(inputs)), "bias": (n,), "leak": (n,),
              "feedback": (n, outs), "readout": (outs, n), "readout_bias": (outs,),
              "direct": (outs, outs), "state": (n,), "start_out": (outs,)}
    defaults = {"leak": np.ones(n), "readout": np.eye(outs, n)}
    out = {}
    for name, shape in shapes.items():
        if name not in given:
            out[name] = defaults.get(name, np.zeros(shape))
            continue
        arr, what = given[name]
        if arr.ndim == 0 and len(shape) == 1:  # one number for every neuron (or readout)
            arr = np.full(shape, float(arr))
        if arr.shape != shape:
            raise PatchError(f"{what} has shape {arr.shape}; this network ({n} neurons, "
                             f"{len(inputs)} inputs, {outs} readouts) needs {shape}",
                             node=node.id, field=name if what == name else "weights")
        bad = np.argwhere(~np.isfinite(arr))
        if len(bad):
            raise PatchError(f"{what} holds {arr[tuple(bad[0])]} at {tuple(int(i) for i in bad[0])}; "
                             f"weights must be finite", node=node.id,
                             field=name if what == name else "weights")
        if np.abs(arr).max(initial=0.0) > 1e6:
            raise PatchError(f"{what} holds values beyond ±1e6", node=node.id,
                             field=name if what == name else "weights")
        out[name] = np.array(arr, dtype=np.float64)
    if morph is not None and outs < 2:
        raise PatchError("morph blends readouts: this network has 1 readout, it needs 2 or "
                         "more (one per sound)", node=node.id, field="morph")
    return out


def _size(node, given) -> int:
    declared = node.options.get("neurons")
    if declared is not None and (isinstance(declared, bool) or not isinstance(declared, int)
                                 or not 1 <= declared <= MAX_NEURONS):
        raise PatchError(f"neurons must be a whole number from 1 to {MAX_NEURONS}, not "
                         f"{declared!r}", node=node.id, field="neurons")
    for name in ("w", "bias", "state", "in", "feedback"):
        if name in given and given[name][0].ndim >= 1:
            found = given[name][0].shape[0]
            if declared is not None and found != declared:
                raise PatchError(f"{given[name][1]} has {found} rows, but neurons is {declared}",
                                 node=node.id, field="neurons")
            if not 1 <= found <= MAX_NEURONS:
                raise PatchError(f"{given[name][1]} makes {found} neurons; 1 to {MAX_NEURONS}",
                                 node=node.id, field=name)
            return found
    if declared is None:
        raise PatchError("how many neurons? give 'neurons: N' or the matrix 'w'", node=node.id,
                         field="neurons")
    return declared


def _outputs(node, given) -> int:
    for name in ("readout", "readout_bias", "start_out"):
        if name in given and given[name][0].ndim >= 1:
            k = given[name][0].shape[0]
            if not 1 <= k <= MAX_OUTPUTS:
                raise PatchError(f"{given[name][1]} makes {k} readouts; 1 to {MAX_OUTPUTS}",
                                 node=node.id, field=name)
            return k
    return 1


def _check(node) -> None:
    if len(node.inputs) > MAX_INPUTS:
        raise PatchError(f"{len(node.inputs)} inputs; a network takes at most {MAX_INPUTS}",
                         node=node.id, field="inputs")
    network_arrays(node)


def shape(node) -> tuple[int, int, int]:
    """(neurons, inputs, readouts) of a checked network node."""
    arrays = network_arrays(node)
    return arrays["w"].shape[0], arrays["in"].shape[1], arrays["readout"].shape[0]


def summary(node) -> str:
    """One line for ``neuromix info``: size, activation, sparsity, spectral radius, dtype.

    Examples
    --------
    >>> from neuromix.graph.graph import Node
    >>> summary(Node("n", "network", options={"w": [[0.0, 0.5], [0.5, 0.0]]}))
    '2 neurons, tanh, 0 inputs, 1 readout, 2 of 4 weights non-zero (50%), spectral radius 0.5, float64'
    """
    a = network_arrays(node)
    n, _, k = shape(node)
    nonzero = int(np.count_nonzero(a["w"]))
    radius = float(np.max(np.abs(np.linalg.eigvals(a["w"])))) if n <= 1024 else float("nan")
    act = node.options.get("act", "tanh")
    dtype = node.options.get("dtype", "float64")
    source = f", weights from {node.options['weights']}" if node.options.get("weights") else ""
    return (f"{n} neurons, {act}, {a['in'].shape[1]} inputs, {k} readout{'s' * (k > 1)}, "
            f"{nonzero} of {n * n} weights non-zero ({100 * nonzero / (n * n):.0f}%), "
            f"spectral radius {radius:.3g}, {dtype}{source}")


# -- addresses: one per entry, in the order the block is laid out -------------------------
def _entries(name):
    def entries(node):
        a = network_arrays(node)
        n, _, k = shape(node)
        keys = [inp.key for inp in node.inputs]
        if name == "w":  # row-major: the row of neuron i is contiguous (dot products)
            return [f"w.{i}.{j}" for i in range(n) for j in range(n)], a["w"].ravel()
        if name == "in":  # column-major: the column of one input is contiguous (axpy)
            return [f"in.{i}.{s}" for s in keys for i in range(n)], a["in"].T.ravel()
        if name == "feedback":
            return [f"fb.{i}.{o}" for o in range(k) for i in range(n)], a["feedback"].T.ravel()
        if name == "readout":
            return [f"out.{o}.{j}" for o in range(k) for j in range(n)], a["readout"].ravel()
        if name == "direct":
            return [f"out.{o}.y.{m}" for o in range(k) for m in range(k)], a["direct"].ravel()
        if name == "readout_bias":
            return [f"out.{o}.bias" for o in range(k)], a["readout_bias"]
        if name == "start_out":
            return [f"out.{o}.start" for o in range(k)], a["start_out"]
        if name == "morph":  # present only when the readouts are blended
            morph = node.options.get("morph")
            return ([], np.zeros(0)) if morph is None else (["morph"], np.array([float(morph)]))
        return [f"{name}.{i}" for i in range(n)], a[name]  # bias, leak, state
    return entries


# -- the step, compiled once per dtype and shared by every patch through numba's cache ----
@numba.njit(inline="always")
def _drive(w, win, bias, fb, x, y, xin, u, c, gw, gi):
    """u = bias + gi·In·xin + Fb·y + gw·W·x (W row-major, In and Fb column-major): the gains
    scale each input and each row's sum, so at 1 the sums are those of the unscaled arrays."""
    n = len(bias)
    for i in range(n):
        u[i] = bias[i]
    for col in range(len(xin)):
        v = xin[col] * gi
        for i in range(n):
            u[i] += win[col * n + i] * v
    for col in range(len(y)):
        v = y[col]
        for i in range(n):
            u[i] += fb[col * n + i] * v
    full = n - n % 4
    zero = c[13]  # of the group's dtype (u[0] * 0 would be float64: a float32 sum in double)
    for i in range(0, full, 4):  # four rows at once: each x[j] loaded once for all four
        a0, a1, a2, a3 = zero, zero, zero, zero
        r0, r1, r2, r3 = i * n, (i + 1) * n, (i + 2) * n, (i + 3) * n
        for j in range(n):
            v = x[j]
            a0 += w[r0 + j] * v
            a1 += w[r1 + j] * v
            a2 += w[r2 + j] * v
            a3 += w[r3 + j] * v
        u[i] += gw * a0
        u[i + 1] += gw * a1
        u[i + 2] += gw * a2
        u[i + 3] += gw * a3
    for i in range(full, n):
        a0 = zero
        for j in range(n):
            a0 += w[i * n + j] * x[j]
        u[i] += gw * a0


@numba.njit(inline="always")
def _settle_tanh(u, leak, x, xs, c, exact):
    """x = leak·tanh(u) + (1 − leak)·x, tiny values flushed; xs (float64) gets a copy.

    ``c`` holds the constants in the group's dtype: TANH_P, TANH_Q, clamp, flush level, 1, 0."""
    n = len(u)
    if exact:
        for i in range(n):
            u[i] = math.tanh(u[i])
    else:
        for i in range(n):
            v = min(max(u[i], -c[10]), c[10])
            s = v * v
            p = c[0] + s * (c[1] + s * (c[2] + s * (c[3] + s * c[4])))
            q = c[5] + s * (c[6] + s * (c[7] + s * (c[8] + s * c[9])))
            u[i] = v * p / q
    _settle(u, leak, x, xs, c)


@numba.njit(inline="always")
def _settle(a, leak, x, xs, c):
    for i in range(len(a)):
        v = leak[i] * a[i] + (c[12] - leak[i]) * x[i]
        x[i] = v if abs(v) > c[11] else c[13]
        xs[i] = x[i]


@numba.njit(inline="always")
def _readout(ro, rb, direct, x, y, ys, z, go):
    n, k = len(x), len(y)
    for o in range(k):
        a = rb[o]
        for j in range(n):
            a += ro[o * n + j] * (x[j] * go)
        for m in range(k):
            a += direct[o * k + m] * y[m]
        z[o] = a
    for o in range(k):
        y[o] = z[o]
        ys[o] = z[o]


@numba.njit(cache=True, nogil=True, fastmath=FASTMATH, error_model="numpy")
def tanh_step_fast(w, win, bias, leak, fb, ro, rb, direct, x, xs, y, ys, xin, u, z, c, gw, gi,
                   go):
    """One step of a tanh network: vectorised sums and the rational tanh."""
    _drive(w, win, bias, fb, x, y, xin, u, c, gw, gi)
    _settle_tanh(u, leak, x, xs, c, False)
    _readout(ro, rb, direct, x, y, ys, z, go)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def tanh_step_exact(w, win, bias, leak, fb, ro, rb, direct, x, xs, y, ys, xin, u, z, c, gw, gi,
                    go):
    """As tanh_step_fast, in the written order of operations and with libm's tanh."""
    _drive(w, win, bias, fb, x, y, xin, u, c, gw, gi)
    _settle_tanh(u, leak, x, xs, c, True)
    _readout(ro, rb, direct, x, y, ys, z, go)


@numba.njit(cache=True, nogil=True, fastmath=FASTMATH, error_model="numpy")
def drive_fast(w, win, bias, fb, x, y, xin, u, c, gw, gi):
    """The drive u alone (another activation follows in the kernel, then finish_fast)."""
    _drive(w, win, bias, fb, x, y, xin, u, c, gw, gi)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def drive_exact(w, win, bias, fb, x, y, xin, u, c, gw, gi):
    """As drive_fast, in the written order of operations."""
    _drive(w, win, bias, fb, x, y, xin, u, c, gw, gi)


@numba.njit(cache=True, nogil=True, fastmath=FASTMATH, error_model="numpy")
def finish_fast(a, leak, ro, rb, direct, x, xs, y, ys, z, c, go):
    """The leaky update from activations ``a`` computed by the kernel, then the readouts."""
    _settle(a, leak, x, xs, c)
    _readout(ro, rb, direct, x, y, ys, z, go)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def finish_exact(a, leak, ro, rb, direct, x, xs, y, ys, z, c, go):
    """As finish_fast, in the written order of operations."""
    _settle(a, leak, x, xs, c)
    _readout(ro, rb, direct, x, y, ys, z, go)


CONSTANTS = TANH_P + TANH_Q + (TANH_CLAMP, 1e-30, 1.0, 0.0)
CONSTANTS_64 = np.array(CONSTANTS, dtype=np.float64)
CONSTANTS_32 = np.array(CONSTANTS, dtype=np.float32)


def _emit(ctx):
    n, n_in, k = shape(ctx.node)
    f32 = ctx.opt("dtype") == "float32"
    act = ctx.opt("act")
    mode = "exact" if ctx.exact else "fast"
    lines: list[str] = []

    def local(expr: str, name: str) -> str:  # bound once per sample (an alias in the kernel)
        var = ctx.tmp(name)
        lines.append(f"{var} = {expr}")
        return var

    def block(name: str) -> str:  # float32: converted once per block
        view = ctx.block(name)
        return local(ctx.rate(f"{view}.astype(np.float32)") if f32 else view, name)

    arrays = [block(a) for a in ("w", "in", "bias", "leak", "feedback", "readout",
                                 "readout_bias", "direct")]
    xs, ys = ctx.view("x"), ctx.view("y")  # the state in float64, kept across blocks
    x = local(ctx.rate(f"{xs}.astype(np.float32)"), "x32") if f32 else local(xs, "x")
    y = local(ctx.rate(f"{ys}.astype(np.float32)"), "y32") if f32 else local(ys, "y")
    if f32:
        xin, u, z = (local(ctx.rate(f"np.zeros({size}, np.float32)"), name)
                     for size, name in ((n_in, "xin"), (n, "u"), (k, "z")))
    else:  # scratch in the node's buffers: no numpy call for numba to type
        xin, u, z = (local(ctx.view(name), name) for name in ("xin", "u", "z"))
    consts = local(ctx.use(__name__, "CONSTANTS_32" if f32 else "CONSTANTS_64"), "c")
    started, start, start_out = ctx.s("started"), ctx.block("state"), ctx.block("start_out")
    i = ctx.tmp("i")
    lines += [f"if {started} < 0.5:",  # the first sample after a reset: x[-1] and y[-1]
              f"    for {i} in range({n}):", f"        {x}[{i}] = {start}[{i}]",
              f"    for {i} in range({k}):", f"        {y}[{i}] = {start_out}[{i}]",
              f"    {started} = 1.0"]
    lines += [f"{xin}[{col}] = {src}" for col, (_, src, _) in enumerate(ctx.ins)]
    gw, gi, go = (local(f"np.float32({ctx.p(g)})" if f32 else ctx.p(g), g) for g in GAINS)
    w, win, bias, leak, fb, ro, rb, direct = arrays
    if act == "tanh":
        lines.append(f"{ctx.use(__name__, 'tanh_step_' + mode)}({w}, {win}, {bias}, {leak}, "
                     f"{fb}, {ro}, {rb}, {direct}, {x}, {xs}, {y}, {ys}, {xin}, {u}, {z}, "
                     f"{consts}, {gw}, {gi}, {go})")
    else:  # another activation: applied here, element by element
        v = ctx.tmp("v")
        lines += [f"{ctx.use(__name__, 'drive_' + mode)}({w}, {win}, {bias}, {fb}, {x}, {y}, "
                  f"{xin}, {u}, {consts}, {gw}, {gi})",
                  f"for {i} in range({n}):", f"    {v} = {u}[{i}]",
                  f"    {u}[{i}] = {ACTIVATIONS[act].code(v)}",
                  f"{ctx.use(__name__, 'finish_' + mode)}({u}, {leak}, {ro}, {rb}, {direct}, "
                  f"{x}, {xs}, {y}, {ys}, {z}, {consts}, {go})"]
    if ctx.opt("morph") is None:
        for o in range(k):
            lines.append(f"{ctx.out('out' if o == 0 else f'y{o}')} = float({y}[{o}])")
        return lines
    m, low, frac, mix = ctx.tmp("m"), ctx.tmp("low"), ctx.tmp("frac"), ctx.tmp("mix")
    lines += [f"{m} = min(max({ctx.block('morph')}[0], 0.0), {float(k - 1)!r})",
              f"{low} = min(int({m}), {k - 2})",
              f"{frac} = {m} - {low}",
              f"{mix} = (1.0 - {frac}) * float({z}[{low}]) + {frac} * float({z}[{low} + 1])",
              f"for {i} in range({k}):",  # every readout's previous output is the blend
              f"    {y}[{i}] = {mix}", f"    {ys}[{i}] = {mix}",
              f"{ctx.out('out')} = {mix}"]
    lines += [f"{ctx.out(f'y{o}')} = float({z}[{o}])" for o in range(1, k)]
    return lines


register(NodeType(
    "network", "A recurrent network of N neurons in one node (a reservoir, an RTNeural-style "
               "recurrent layer): every recurrent connection one sample late, so a step is one "
               "matrix-vector product and the activation over the whole group, leaky per neuron, "
               "with output feedback and K linear readouts (main output: readout 0, ports y1, "
               "y2...): u = bias + w_gain·w·x[n−1] + in_gain·in·inputs + feedback·y[n−1], "
               "x = leak·act(u) + (1 − leak)·x[n−1], "
               "y = readout_bias + out_gain·readout·x + direct·y[n−1], starting from "
               "x[−1] = state and y[−1] = start_out. 'dtype: float32' runs the group in single "
               "precision. w_gain, in_gain and out_gain scale the recurrent matrix, the input "
               "weights and the readout (effective weight = gain × entry). "
               "Weights inline or from an .npy/.npz file beside the patch ('weights'); "
               "every entry is a parameter: id.w.<i>.<j> (neuron j into i), id.in.<i>.<input>, "
               "id.bias.<i>, id.leak.<i>, id.fb.<i>.<k>, id.out.<k>.<j>, id.out.<k>.bias, "
               "id.out.<k>.y.<l>, id.state.<i> (x before the first sample), id.out.<k>.start. "
               "With 'morph: m' the K readouts are K learned sounds, blended at m (0: the "
               "first, 1: the second, in between: both), and the blend is what is fed back "
               "(the address id.morph).",
    _emit,
    params=tuple(Param(name, 1.0, -GAIN_LIMIT, GAIN_LIMIT, doc=f"gain of {what}")
                 for name, (_, what) in GAINS.items()),
    outputs=("out",),
    state=(State("started", 0.0),),
    buffers=(Buffer("x", lambda ctx: shape(ctx.node)[0]),
             Buffer("y", lambda ctx: shape(ctx.node)[2]),
             Buffer("xin", lambda ctx: shape(ctx.node)[1]),  # scratch: this sample's inputs,
             Buffer("u", lambda ctx: shape(ctx.node)[0]),  # the drive,
             Buffer("z", lambda ctx: shape(ctx.node)[2])),  # the new readouts
    arrays=tuple(ParamArray(name, _entries(name)) for name in ARRAYS + ("morph",)),
    options=(Option("neurons", None, kind=int, lo=1, hi=MAX_NEURONS,
                    doc="N (optional when w, bias or state is given)"),
             Option("act", "tanh", tuple(ACTIVATIONS), doc="activation of every neuron"),
             Option("dtype", "float64", DTYPES, doc="precision the group runs in"),
             Option("weights", None, kind=FilePath,
                    doc=".npy (w) or .npz (named arrays) file, relative to the patch file"),
             *(Option(name, None, kind=object, doc=f"inline {name}: a list (of rows)")
               for name in ARRAYS),
             Option("morph", None, kind=float,
                    doc="blend the readouts (one per sound) at this position: 0 the first, 1 "
                        "the second, ...; the address id.morph")),
    inputs="list", category="neurons",
    dynamic_outputs=lambda node: [f"y{o}" for o in range(1, shape(node)[2])],
    check=_check, summary=summary,
))
