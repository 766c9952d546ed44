"""The network node: against a slow numpy step, block sizes, addresses, files, float32."""

import io
import zipfile

import numpy as np
import pytest

import neuromix as nm
from neuromix.compiler.reference import run_reference
from neuromix.engine.render import render
from neuromix.errors import PatchError
from neuromix.graph.patchfile import load_graph, loads
from neuromix.nodes.network import TANH_P, TANH_Q, network_arrays

SR = 8000


def arrays(n=6, inputs=2, outs=2, seed=0):
    rng = np.random.default_rng(seed)
    return {"w": rng.standard_normal((n, n)) * 0.6 / np.sqrt(n),
            "in": rng.standard_normal((n, inputs)), "bias": rng.uniform(-0.3, 0.3, n),
            "leak": rng.uniform(0.2, 1.0, n), "feedback": rng.standard_normal((n, outs)) * 0.3,
            "readout": rng.standard_normal((outs, n)), "readout_bias": rng.uniform(-.1, .1, outs),
            "direct": rng.standard_normal((outs, outs)) * 0.2, "state": rng.uniform(-.5, .5, n),
            "start_out": rng.uniform(-.5, .5, outs)}


def patch(a, act="tanh", dtype="float64", **extra):
    p = nm.Patch(sr=SR)
    s = p.sine(110, name="s")
    t = p.tri(37, name="t")
    opts = {k: v.tolist() for k, v in a.items()} | extra
    net = p.network(act=act, dtype=dtype, name="res", inputs=[s, t], **{
        ("in_" if k == "in" else k): v for k, v in opts.items()})
    p.out(net, net.port("y1"))
    return p


def inputs(frames):
    t = np.arange(frames)
    phase_s = (t * 110 / SR) % 1.0
    phase_t = (t * 37 / SR) % 1.0
    return np.stack([np.sin(2 * np.pi * phase_s), 4 * np.abs(phase_t - 0.5) - 1], axis=1)


def numpy_step(a, frames, act=np.tanh, dtype=np.float64, gains=(1.0, 1.0, 1.0), morph=None):
    """The documented equations, one numpy step per sample (with the effective weights: the
    gains times w, in and readout); with ``morph``, the readouts blended (main output, and
    every readout's previous output) and readout 1 beside."""
    a = {k: np.asarray(v, dtype=dtype) for k, v in a.items()}
    a["w"], a["in"], a["readout"] = (a[k] * dtype(g) for k, g in zip(("w", "in", "readout"),
                                                                    gains))
    x, y = a["state"].copy(), a["start_out"].copy()
    ins = inputs(frames).astype(dtype)
    out = np.empty((frames, len(y)))
    for n in range(frames):
        u = a["bias"] + a["in"] @ ins[n] + a["feedback"] @ y + a["w"] @ x
        x = a["leak"] * act(u) + (1 - a["leak"]) * x
        y = a["readout_bias"] + a["readout"] @ x + a["direct"] @ y
        out[n] = y
        if morph is not None:
            m = min(max(morph, 0.0), len(y) - 1.0)
            low = min(int(m), len(y) - 2)
            out[n, 0] = (1 - (m - low)) * y[low] + (m - low) * y[low + 1]
            y = np.full(len(y), out[n, 0])
    return out


def rational_tanh(u):
    v = np.clip(u, -9.0, 9.0).astype(u.dtype)
    s = v * v
    return v * np.polyval(np.array(TANH_P[::-1], u.dtype), s) / np.polyval(
        np.array(TANH_Q[::-1], u.dtype), s)


def test_exact_kernel_is_the_numpy_step():
    a = arrays()
    got = render(patch(a).compile(exact=True), frames=2000)
    np.testing.assert_allclose(got, numpy_step(a, 2000), atol=1e-12, rtol=0)


def test_reference_interpreter_agrees():
    a = arrays(n=5)
    p = patch(a)
    np.testing.assert_allclose(run_reference(p.graph, 200), render(p.compile(exact=True),
                                                                   frames=200), atol=1e-12)


@pytest.mark.parametrize("act", ["identity", "relu", "sin"])
def test_other_activations_follow_the_numpy_step(act):
    a = arrays(n=5, seed=2)
    a["w"] *= 0.5  # bounded without a squashing activation
    fn = {"identity": lambda u: u, "relu": lambda u: np.maximum(u, 0.0), "sin": np.sin}[act]
    got = render(patch(a, act=act).compile(exact=True), frames=500)
    np.testing.assert_allclose(got, numpy_step(a, 500, fn), atol=1e-12, rtol=1e-12)


def test_fast_tanh_is_within_its_error():
    a = arrays(n=9, seed=3)  # 9 neurons: two full groups of four rows and one left over
    got = patch(a).render(frames=2000)
    np.testing.assert_allclose(got, numpy_step(a, 2000, rational_tanh), atol=1e-11, rtol=0)
    np.testing.assert_allclose(got, numpy_step(a, 2000), atol=1e-6, rtol=0)
    u = np.linspace(-20, 20, 200001)
    assert np.abs(rational_tanh(u) - np.tanh(u)).max() < 2e-8


def test_block_size_invariance():
    c = patch(arrays(n=7, seed=4)).compile()
    whole = render(c, frames=9000)
    for block in (1, 64, 65, 8193):
        c.reset()
        np.testing.assert_array_equal(render(c, frames=9000, block=block), whole)


def test_addresses_set_live_change_the_output_as_the_equations_say():
    a = arrays(n=4, seed=5)
    c = patch(a).compile(exact=True)
    assert "res.w.3.1" in c.addresses and "res.in.2.t" in c.addresses
    assert {"res.bias.0", "res.leak.3", "res.fb.1.1", "res.out.1.3", "res.out.0.bias",
            "res.out.1.y.0", "res.state.2", "res.out.1.start"} <= set(c.addresses)
    changes = {"res.w.3.1": ("w", (3, 1), 0.7), "res.in.2.t": ("in", (2, 1), -1.5),
               "res.leak.3": ("leak", (3,), 0.1), "res.out.1.y.0": ("direct", (1, 0), 0.4),
               "res.state.2": ("state", (2,), 0.9), "res.out.1.start": ("start_out", (1,), -0.3)}
    for address, (name, where, value) in changes.items():
        c.set(address, value)
        a[name][where] = value
    c.reset()
    np.testing.assert_allclose(render(c, frames=800), numpy_step(a, 800), atol=1e-12, rtol=0)


GAINS = {"w_gain": 1.4, "in_gain": 0.5, "out_gain": -2.0}


def test_gains_scale_whole_arrays_as_the_equations_say():
    a = arrays(n=6, seed=8)
    want = numpy_step(a, 1500, gains=tuple(GAINS.values()))
    p = patch(a, **GAINS)
    np.testing.assert_allclose(render(p.compile(exact=True), frames=1500), want, atol=1e-12)
    np.testing.assert_allclose(run_reference(p.graph, 150), want[:150], atol=1e-12)
    c = patch(a).compile(exact=True)  # the same, set live at their addresses
    for address, value in GAINS.items():
        c.set(f"res.{address}", value)
    np.testing.assert_allclose(render(c, frames=1500), want, atol=1e-12)
    assert not np.allclose(want, numpy_step(a, 1500), atol=1e-3)


def test_gains_at_one_change_nothing():
    a = arrays(n=5, seed=9)
    assert np.array_equal(patch(a, w_gain=1.0, in_gain=1.0, out_gain=1.0).render(frames=500),
                          patch(a).render(frames=500))


@pytest.mark.parametrize("act", ["tanh", "softsign"])
def test_gains_in_float32(act):
    a = arrays(n=5, seed=10)
    f64 = patch(a, act=act, **GAINS).render(frames=800)
    f32 = patch(a, act=act, dtype="float32", **GAINS).render(frames=800)
    assert np.array_equal(f32.astype(np.float32), f32)
    np.testing.assert_allclose(f32, f64, atol=1e-4, rtol=0)


def test_a_gain_driven_by_a_signal():
    a = arrays(n=4, seed=11)
    p = patch(a)
    lfo = p.sine(3, name="lfo")
    p["res"].set(w_gain=lfo * 0.5 + 1.0)
    np.testing.assert_allclose(render(p.compile(exact=True), frames=400),
                               run_reference(p.graph, 400), atol=1e-12)


def test_weights_fit_like_any_parameter():
    from neuromix.learn.fit import address_bounds

    g = patch(arrays(n=3)).graph
    value, lo, hi = address_bounds(g, "res.w.1.2")
    assert value == pytest.approx(arrays(n=3)["w"][1, 2]) and lo < value < hi


def write_patch(tmp_path, weights, extra=""):
    text = f"""neuromix: 1
sr: {SR}
nodes:
  s: {{type: sine, freq: 110}}
  res: {{type: network, weights: {weights}, inputs: [s]{extra}}}
out: res
"""
    path = tmp_path / "sub" / "net.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_weights_from_an_npz_beside_the_patch(tmp_path, monkeypatch):
    a = arrays(n=6, inputs=1, outs=1)
    path = write_patch(tmp_path, "net.npz")
    np.savez(path.parent / "net.npz", **a)
    monkeypatch.chdir(tmp_path)  # relative to the patch file, not to the current folder
    p = nm.load(path)
    got = render(p.compile(exact=True), frames=300)
    expected = numpy_step(a | {"in": np.c_[a["in"], np.zeros(6)]}, 300)  # the one input is s
    np.testing.assert_allclose(got, expected[:, :1], atol=1e-12)
    assert "res.w.5.5" in p.compile().addresses
    assert loads(p.to_yaml(), filename=str(path)) == p.graph


def test_a_npy_holds_the_matrix(tmp_path):
    w = np.eye(3) * 0.5
    path = write_patch(tmp_path, "w.npy", ", act: identity, state: [1, 0, 0]")
    np.save(path.parent / "w.npy", w)
    got = nm.load(path).render(frames=3)
    np.testing.assert_allclose(got[:, 0], [0.5, 0.25, 0.125])


def npy_bytes(header_shape, data=b"", dtype="<f8"):
    head = ("{'descr': '%s', 'fortran_order': False, 'shape': %r, }" % (dtype, header_shape))
    head = head.ljust(118) + "\n"
    return b"\x93NUMPY\x01\x00" + len(head).to_bytes(2, "little") + head.encode() + data


@pytest.mark.parametrize("make, message", [
    (lambda d: np.save(d / "w.npy", np.zeros((2, 3))), "has shape \\(2, 3\\)"),
    (lambda d: np.save(d / "w.npy", np.array([[np.nan, 0], [0, 0]])), "must be finite"),
    (lambda d: np.save(d / "w.npy", np.array([[1, "a"]], dtype=object), allow_pickle=True),
     "holds object values"),
    (lambda d: np.save(d / "w.npy", np.zeros((2, 2), complex)), "holds complex128"),
    (lambda d: (d / "w.npy").write_bytes(npy_bytes((10 ** 9, 10 ** 9))), "declares shape"),
    (lambda d: (d / "w.npy").write_bytes(npy_bytes((3, 3), b"\0" * 16)), "cut short"),
    (lambda d: (d / "w.npy").write_bytes(b"garbage" * 10), "not a valid .npy"),
    (lambda d: None, "not found"),
], ids=["shape", "nan", "object", "complex", "huge", "short", "garbage", "missing"])
def test_hostile_npy_files_give_one_line(tmp_path, make, message):
    path = write_patch(tmp_path, "w.npy", ", neurons: 2")
    make(path.parent)
    with pytest.raises(PatchError, match=message) as err:
        load_graph(path)
    assert "net.yaml, line 5: node 'res'" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("make, message", [
    (lambda f: np.savez(f, w=np.zeros((2, 2)), wieghts=np.zeros(2)), "'wieghts'"),
    (lambda f: f.write_bytes(b"PK\x03\x04 not a zip"), "cannot read"),
    (lambda f: np.savez(f, w=np.zeros((2, 2)), bias=np.zeros(3)), "'bias'.*shape \\(3,\\)"),
], ids=["unknown", "badzip", "shape"])
def test_hostile_npz_files_give_one_line(tmp_path, make, message):
    path = write_patch(tmp_path, "w.npz")
    make(path.parent / "w.npz")
    with pytest.raises(PatchError, match=message):
        load_graph(path)


def test_a_zip_bomb_member_is_refused_before_it_is_read(tmp_path):
    path = write_patch(tmp_path, "w.npz")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("w.npy", npy_bytes((1, 1), b"\0" * 8) + b"\0" * (300 * 2 ** 20))
    (path.parent / "w.npz").write_bytes(buf.getvalue())
    with pytest.raises(PatchError, match="unpacks to"):
        load_graph(path)


@pytest.mark.parametrize("opts, message", [
    ({"w": [[1, 2], [3]]}, "list of rows"), ({"w": [[1, 2], [3, 4]], "bias": [1, 2, 3]},
                                            "bias has shape"),
    ({"neurons": 3, "w": [[1]]}, "but neurons is 3"), ({}, "how many neurons"),
    ({"neurons": 5000}, "out of range"), ({"bias": [float("inf")]}, "must be finite"),
], ids=["ragged", "shape", "neurons", "none", "huge", "inf"])
def test_bad_inline_arrays(opts, message):
    p = nm.Patch()
    with pytest.raises(PatchError, match=message):
        p.network(**opts)
        p.out(p["network1"])
        p.graph.validate()


@pytest.mark.parametrize("morph", [0.0, 0.3, 1.0, 1.6, 7.0])
def test_morph_blends_the_readouts_and_feeds_back_the_blend(morph):
    a = arrays(n=6, outs=3, seed=8)
    p = patch(a, morph=morph)
    c = p.compile(exact=True)
    expected = numpy_step(a, 1500, morph=morph)[:, :2]
    np.testing.assert_allclose(render(c, frames=1500), expected, atol=1e-12, rtol=0)
    np.testing.assert_allclose(run_reference(p.graph, 300), expected[:300], atol=1e-12)
    c.set("res.morph", 0.5)  # a parameter like any other: set live
    c.reset()
    np.testing.assert_allclose(render(c, frames=500), numpy_step(a, 500, morph=0.5)[:, :2],
                               atol=1e-12, rtol=0)
    f32 = render(patch(a, dtype="float32", morph=morph).compile(), frames=1500)
    np.testing.assert_allclose(f32, expected, atol=1e-3, rtol=0)


def test_morph_needs_two_readouts():
    with pytest.raises(PatchError, match="needs 2 or more"):
        patch(arrays(n=4, outs=1), morph=0.5).compile()
    with pytest.raises(PatchError, match="morph"):
        patch(arrays(n=4, outs=2), morph="half").compile()
    assert "res.morph" not in patch(arrays(n=4, outs=2)).compile().addresses


def test_float32_runs_in_single_precision():
    a = arrays(n=8, seed=6)
    f64 = patch(a).render(frames=3000)
    f32 = patch(a, dtype="float32").render(frames=3000)
    diff = np.abs(f32 - f64).max()
    assert 1e-9 < diff < 1e-4  # float32 rounding, not float64's and not a different net
    assert np.array_equal(f32.astype(np.float32), f32)  # every output is a float32 value
    assert not np.array_equal(f64.astype(np.float32), f64)
    reference = numpy_step(a, 3000, rational_tanh, np.float32)
    assert np.abs(f32 - reference).max() < 1e-4


def test_arrays_default_and_read_back():
    from neuromix.graph.graph import Node

    got = network_arrays(Node("n", "network", options={"neurons": 3}))
    assert got["leak"].tolist() == [1, 1, 1] and got["readout"].tolist() == [[1, 0, 0]]
    assert got["w"].shape == (3, 3) and not got["w"].any()


def test_float32_with_another_activation():
    a = arrays(n=5, seed=7)
    a["w"] *= 0.5
    f64 = patch(a, act="softsign").render(frames=1000)
    f32 = patch(a, act="softsign", dtype="float32").render(frames=1000)
    assert np.array_equal(f32.astype(np.float32), f32)
    np.testing.assert_allclose(f32, f64, atol=1e-4, rtol=0)


def test_info_summarises_instead_of_listing_every_weight():
    from neuromix.commands.info import describe

    a = arrays(n=40, inputs=2, outs=2)
    a["w"][a["w"] < 0.2] = 0.0
    text = describe(patch(a).graph)
    assert len(text.splitlines()) < 40
    radius = np.max(np.abs(np.linalg.eigvals(a["w"])))
    nonzero = np.count_nonzero(a["w"])
    assert (f"40 neurons, tanh, 2 inputs, 2 readouts, {nonzero} of 1600 weights non-zero"
            in text) and f"spectral radius {radius:.3g}, float64" in text
    assert "res.w.0.0 … res.w.39.39  (1600 values)" in text
    assert "s.freq" in text  # the other nodes' parameters as before


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_network_in_a_split_kernel_equals_the_fused_one(dtype):
    """Beside a run of plain neurons the kernel is split into node functions: the network's
    per-block arrays (views, float32 copies, scratch) are passed to its function as arguments."""
    a = arrays(n=6, seed=4)
    small = patch(a, dtype=dtype)
    big = patch(a, dtype=dtype)
    prev = big["s"]
    for k in range(10):  # a chain of plain neurons: one group loop, so not fused
        prev = big.neuron(inputs={prev: 0.5}, bias=0.1 * k, name=f"pad{k}")
    big.out(big["res"], big["res"].port("y1"), prev)
    kernel = big.compile(exact=True).kernel.source
    assert "def c" in kernel and "ra0" in kernel
    want = render(small.compile(exact=True), frames=600)
    got = render(big.compile(exact=True), frames=600)
    np.testing.assert_array_equal(got[:, :2], want)
