"""The command line end to end, in real subprocesses."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from helpers import CHROMIUM, chromium
from neuromix.commands.demo import is_patch

ROOT = Path(__file__).resolve().parents[1]


def neuromix(*args, check=True):
    return subprocess.run([sys.executable, "-m", "neuromix", *map(str, args)], capture_output=True,
                          text=True, check=check)


def test_render_writes_the_wav_asked_for(tmp_path):
    out = tmp_path / "dual.wav"
    result = neuromix("render", ROOT / "examples" / "dual_neuron.yaml", "-o", out, "--seconds", 1.5,
                      "--sr", 44100, "--subtype", "pcm24")
    assert "wrote" in result.stdout
    data, sr = sf.read(out)
    assert sr == 44100 and data.shape == (66150,) and np.isfinite(data).all()
    assert sf.info(out).subtype == "PCM_24"


def test_render_flac_stereo(tmp_path):
    patch = tmp_path / "st.yaml"
    patch.write_text("nodes:\n  l: {type: sine, freq: 220}\n  r: {type: tri, freq: 330}\nout: [l, r]\n")
    neuromix("render", patch, "-o", tmp_path / "st.flac", "--seconds", 0.25)
    data, sr = sf.read(tmp_path / "st.flac")
    assert data.shape == (12000, 2) and sr == 48000


def test_bad_patch_prints_one_clear_line(tmp_path):
    patch = tmp_path / "bad.yaml"
    patch.write_text("nodes:\n  a: {type: sinee}\nout: a\n")
    result = neuromix("render", patch, check=False)
    assert result.returncode == 2
    assert "bad.yaml, line 2: node 'a': unknown node type 'sinee'" in result.stderr
    assert "Traceback" not in result.stderr


def test_info_shows_addresses_and_delays():
    out = neuromix("info", ROOT / "examples" / "dual_neuron.yaml").stdout
    assert "a.w.b" in out and "b -> a (its input 'b'): 1 sample" in out


def test_nodes_catalogue_and_docs_are_current():
    out = neuromix("nodes").stdout
    assert "neuron" in out and "polyblep" in out
    md = neuromix("nodes", "--markdown").stdout
    assert (ROOT / "docs" / "nodes.md").read_text() == md, "run `make docs` to refresh docs/nodes.md"


def test_schema_is_json_and_lists_every_node():
    schema = json.loads(neuromix("schema").stdout)
    from neuromix.nodes import registry

    assert set(registry()) <= set(schema["$defs"])


def test_demo_renders_examples_and_a_gallery_that_opens_in_chromium(tmp_path):
    out = tmp_path / "out"
    result = neuromix("demo", ROOT / "examples", "-o", out, "--quick", check=False)
    assert result.returncode == 0, result.stderr
    assert (out / "dual_neuron.wav").exists() and "index.html" in result.stdout
    page = (out / "index.html").read_text()
    examples = sorted(p.name for p in (ROOT / "examples").iterdir()
                      if p.suffix == ".py" or (p.suffix == ".yaml" and is_patch(p)))
    for name in examples:  # every example has its card, with its own words
        assert f'<section class="example" id="{name}">' in page, name
    assert "http:" not in page and "https:" not in page  # works offline
    assert page.count("<audio") >= 15 and page.count("<img") >= 15
    assert 'href="dual_neuron-explain.html"' in page
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium to open the gallery")
    dom = chromium(["--autoplay-policy=no-user-gesture-required", "--dump-dom",
                    (out / "index.html").as_uri()], tmp_path).stdout
    body = re.search(r"<body[^>]*>", dom).group(0)
    pictures = re.search(r'data-pictures="(\d+)"', body).group(1)
    sounds = re.search(r'data-sounds="(\d+)"', body).group(1)
    assert f'data-pictures-loaded="{pictures}"' in body, body  # every picture shows
    assert f'data-sounds-loaded="{sounds}"' in body, body  # every player has its sound


def test_version_and_help():
    assert neuromix("--version").stdout.startswith("neuromix ")
    assert "render" in neuromix("--help").stdout


def test_unknown_output_format_is_one_clear_line_before_rendering(tmp_path):
    result = neuromix("render", ROOT / "examples" / "dual_neuron.yaml", "-o", tmp_path / "x.mp3",
                      check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cannot write '.mp3' files" in result.stderr
    assert list(tmp_path.iterdir()) == []
