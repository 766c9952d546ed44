"""Writing over a symbolic link, a device or a FIFO: a link is followed and its target
replaced atomically (the link stays a link); a character device is written through and
stays a device; a FIFO, a socket or a folder is refused with one clear line and left as it is.
Checked for every kind of writer: text, open-handle (recordings), callable (figures, WAVs)."""

import os
import socket
import stat

import numpy as np
import pytest

from neuromix.errors import NeuromixError, UsageError
from neuromix.io.atomic import finish, temporary_beside, write_text, write_with


def _by_handle(path, text):
    tmp = temporary_beside(path)
    finish(open(tmp, "w", encoding="utf-8"), tmp, path)  # an empty file, then the text
    handle = open(temporary_beside(path), "w", encoding="utf-8")
    handle.write(text)
    finish(handle, handle.name, path)


def _by_callable(path, text):
    write_with(path, lambda tmp: open(tmp, "w", encoding="utf-8").write(text))


WRITERS = [write_text, _by_handle, _by_callable]


@pytest.mark.parametrize("write", WRITERS)
def test_a_symlink_is_followed_and_its_target_replaced(tmp_path, write):
    target = tmp_path / "real.txt"
    target.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "real.txt"]


def test_a_dangling_symlink_gets_its_target(tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "sub" / "made.txt")
    write_text(link, "made")
    assert link.is_symlink() and (tmp_path / "sub" / "made.txt").read_text() == "made"


@pytest.mark.parametrize("write", WRITERS)
def test_a_fifo_is_refused_and_kept(tmp_path, write):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="is a FIFO") as info:
        write(fifo, "x")
    assert "\n" not in str(info.value) and isinstance(info.value, NeuromixError)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]  # no temporary left behind
    link = tmp_path / "to_pipe"
    link.symlink_to(fifo)
    with pytest.raises(UsageError, match="is a FIFO"):
        write(link, "x")


def test_a_socket_and_a_folder_are_refused(tmp_path):
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "s"))
    try:
        with pytest.raises(UsageError, match="is a socket"):
            write_text(tmp_path / "s", "x")
    finally:
        sock.close()
    with pytest.raises(UsageError, match="is a folder"):
        write_text(tmp_path, "x")
    assert tmp_path.is_dir()


@pytest.mark.skipif(not os.access("/dev/null", os.W_OK), reason="/dev/null is not writable")
@pytest.mark.parametrize("write", WRITERS)
def test_dev_null_is_written_through_and_stays_a_device(write):
    before = os.stat("/dev/null")
    write("/dev/null", "gone")
    after = os.lstat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


@pytest.mark.skipif(not os.access("/dev/full", os.W_OK), reason="/dev/full is not writable")
def test_a_full_device_is_one_clear_line_and_stays_a_device():
    with pytest.raises(UsageError, match="cannot write /dev/full"):
        write_text("/dev/full", "x" * 10000)
    assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)


def test_render_and_a_sweep_table_go_through_a_symlink_and_to_dev_null(tmp_path):
    import neuromix as nm
    from neuromix.analysis.sweep import read_table, write_table
    from neuromix.engine.render import render_to_file

    p = nm.Patch(sr=8000)
    p.out(p.sine(100))
    target = tmp_path / "real.wav"
    target.write_bytes(b"old")
    link = tmp_path / "out.wav"
    link.symlink_to(target)
    render_to_file(p.compile(), link, 0.1)
    assert link.is_symlink() and target.read_bytes()[:4] == b"RIFF"
    table = {"index": np.arange(3), "x": np.array([0.5, 1.0, 1.5])}
    csv = tmp_path / "t.csv"
    csv.symlink_to(tmp_path / "real.csv")
    write_table(table, csv)
    assert csv.is_symlink() and read_table(tmp_path / "real.csv")["x"].tolist() == [0.5, 1.0, 1.5]
    if os.access("/dev/null", os.W_OK):
        render_to_file(p.compile(), "/dev/null", 0.1, fmt="wav")
        assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
    os.mkfifo(tmp_path / "fifo.wav")
    with pytest.raises(UsageError, match="FIFO"):
        render_to_file(p.compile(), tmp_path / "fifo.wav", 0.1)
