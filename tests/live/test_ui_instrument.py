"""``neuromix instrument FILE --ui``: the instrument's network, inputs and MIDI out in a real
browser, and a control on the page moving a weight of the network (the file's gesture replay
drives the inputs here; an input set from the page goes through the input bank, see the
doctest of neuromix.live.ui.instrument)."""

import threading

from ui_browser import browser_page, until, wait_for

from neuromix.instrument.file import load
from neuromix.instrument.loop import Instrument
from neuromix.live.ui.instrument import InstrumentSource
from neuromix.live.ui.server import LiveView

FILE = "examples/instruments/mouse_to_midi.yaml"


def test_an_instrument_in_the_browser():
    spec = load(FILE)
    with Instrument(spec, window=False, midi_port=False) as inst:
        view = LiveView(InstrumentSource(inst), port=0)
        runner = threading.Thread(target=inst.run, kwargs={"seconds": 60}, daemon=True)
        runner.start()
        try:
            with browser_page(view.url) as (page, problems, requests):
                names = page.eval_on_selector_all("#nodes g.node text",
                                                  "ts => ts.map(t => t.textContent)")
                assert sorted(names) == sorted(inst.network.graph.nodes)
                assert {"x", "y"} <= set(names)  # the inputs are nodes of the graph
                wait_for(page, "() => document.querySelector('#midi').textContent.includes('tick')")
                assert not page.is_hidden("#midi-panel")
                assert f"at {spec.rate} Hz" in page.text_content("#status")
                page.click('#nodes g.node[data-node="gate"]')  # opens its controls
                page.fill('input[type=number][data-address="gate.w.y"]', "-0.123")
                page.press('input[type=number][data-address="gate.w.y"]', "Enter")
                until(lambda: inst.network.get("gate.w.y") == -0.123)
            assert problems == []
            assert all(url.startswith(f"http://127.0.0.1:{view.port}/") or url.startswith("data:")
                       for url in requests)
        finally:
            inst.stopping.set()
            runner.join(10)
            view.close()
