import numpy as np
import pytest

from neuromix.analysis import plots


def _image(path):
    import matplotlib.image as mpimg

    return mpimg.imread(path)


@pytest.mark.parametrize("shape", [(4800,), (4800, 2), (100, 3), (10,)])
def test_overview_writes_a_png_for_any_channel_count(tmp_path, shape):
    rng = np.random.default_rng(1)
    audio = rng.standard_normal(shape) * 0.3
    out = tmp_path / "sub" / "fig.png"
    plots.overview(audio, 48000, out, title="noise")
    img = _image(out)
    chans = 1 if len(shape) == 1 else shape[1]
    assert img.shape[0] > img.shape[1] * 0.5 * chans  # one waveform + spectrogram row per channel
    assert img[..., :3].std() > 0.05  # not blank


def test_overview_draws_silence(tmp_path):
    out = tmp_path / "silence.png"
    plots.overview(np.zeros(2000), 8000, out)
    assert out.stat().st_size > 1000


def test_overview_rejects_3d_audio(tmp_path):
    with pytest.raises(ValueError, match="1-D or"):
        plots.overview(np.zeros((2, 2, 2)), 8000, tmp_path / "x.png")
