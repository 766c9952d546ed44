"""Fixtures for the live tests: a JACK server with a dummy driver (real-time paced callbacks
and real xrun reports, no sound card), one per test session under a name of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest
from helpers import file_writer

sys.path.insert(0, os.path.dirname(__file__))  # for `from live_helpers import ...`


def _portaudio():
    try:
        import sounddevice
    except (OSError, ImportError) as err:
        return None, f"PortAudio/sounddevice is not usable here ({err})"
    return sounddevice, None


def favour(pid: int, nice: int = -15) -> None:
    """Raise the CPU share of every thread of a process, where allowed (root). A JACK server
    started with --no-realtime whose thread other processes starve misses cycles, and JACK
    counts those as xruns of its clients, which no client can prevent; with the suite running
    beside other work on 2 cores that happens, so the test server gets a larger share."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for tid in tids:
        try:
            os.setpriority(os.PRIO_PROCESS, int(tid), nice)
        except OSError:
            return


@pytest.fixture(scope="session")
def jack():
    """The name of a running JACK server (dummy driver, 48 kHz, 256-frame periods), with
    PortAudio re-initialised so that it sees it; skips when jackd or PortAudio is missing."""
    if shutil.which("jackd") is None:
        pytest.skip("jackd is not installed (apt-get install jackd2): real-time tests need it")
    sd, why = _portaudio()
    if sd is None:
        pytest.skip(why)
    name = f"nm-live-{os.getpid()}"
    env = {"JACK_DEFAULT_SERVER": name, "JACK_NO_START_SERVER": "1",
           "JACK_NO_AUDIO_RESERVATION": "1"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    proc = subprocess.Popen(["jackd", "--no-realtime", "-n", name, "-d", "dummy", "-r", "48000",
                             "-p", "256"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if shutil.which("jack_wait"):
            waited = subprocess.run(["jack_wait", "-w", "-t", "10"], capture_output=True,
                                    timeout=20).returncode
        else:
            time.sleep(2.0)
            waited = 0
        if proc.poll() is not None:
            pytest.skip("jackd could not start here")
        assert waited == 0, "jackd runs but did not answer within 10 s"
        favour(proc.pid)
        sd._terminate()
        sd._initialize()  # PortAudio lists host APIs when it starts: now with JACK's
        if not any(api["name"] == "JACK Audio Connection Kit" for api in sd.query_hostapis()):
            pytest.skip("PortAudio here has no JACK host API")
        yield name
    finally:
        sd._terminate()
        proc.terminate()
        proc.wait(timeout=10)
        sd._initialize()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


patch_file = file_writer("live.yaml")  # write a patch file into tmp_path, return its path
