"""The instrument window: a mouse pad and the live network, so the player sees the organism.

Left, the pad: mouse inputs read the pointer's position inside it (x to the right, y upwards,
both 0..1), and a dot shows the current mouse inputs. Right, three columns of bars: the inputs,
the network's nodes (each with a trace of its recent values and its weighted inputs named under
it, lines from the inputs coloured by sign and as thick as the weight), and the outputs (0..1
of their range; a note output shows the last note across its note range).

``bars`` maps ``in:<name>``, ``net:<node>`` and ``out:<name>`` to (rect, low, high), so tests
can check where each bar is drawn. It runs under ``SDL_VIDEODRIVER=dummy`` too.

Examples
--------
>>> bar_fill((10, 0, 100, 8), 0.5, 0.0, 1.0)
(10, 0, 50, 8)
>>> bar_fill((10, 0, 100, 8), -0.5, -1.0, 1.0)
(35, 0, 25, 8)
"""

from __future__ import annotations

from collections import deque

from neuromix.graph.graph import Signal
from neuromix.instrument.inputs import import_pygame

BACKGROUND, PANEL, TEXT = (18, 20, 24), (40, 44, 52), (200, 204, 212)
FILL = {"in": (90, 180, 250), "net": (250, 180, 70), "out": (120, 220, 130)}
POSITIVE, NEGATIVE = (80, 140, 255), (255, 90, 80)
UNIPOLAR = {"mouse", "midi"}
RECORD = (235, 70, 70)
KEYS = "r record · t train · esc cancel · space run/stop · c capture · x delete examples"
TRACE = 120  # values kept per node trace


def bar_fill(rect, value: float, lo: float, hi: float) -> tuple[int, int, int, int]:
    """The filled part of a bar: from 0 (or ``lo`` when 0 is outside) to ``value``."""
    x, y, w, h = rect
    def px(v):
        return x + int(round((min(max(v, lo), hi) - lo) / (hi - lo) * w))
    zero = px(0.0 if lo <= 0.0 <= hi else lo)
    end = px(value)
    return (min(zero, end), y, abs(end - zero), h)


class Window:
    """The pygame window of a running instrument."""

    def __init__(self, spec, channels: dict[str, int], width: int = 960, height: int = 600,
                 fps: int = 30):
        pygame = import_pygame()
        pygame.display.init()
        pygame.font.init()
        self.pg, self.spec, self.channels, self.fps = pygame, spec, channels, int(fps)
        self.surface = pygame.display.set_mode((int(width), int(height)))
        title = spec.path.name if spec.path else "instrument"
        pygame.display.set_caption(f"neuromix — {title}")
        self.font = pygame.font.Font(None, 16)
        self.small = pygame.font.Font(None, 14)
        self.size = (int(width), int(height))
        self.traces = {nid: deque(maxlen=TRACE) for nid in self._nodes()}
        self._layout()

    def _nodes(self) -> list[str]:
        inputs = {s.name for s in self.spec.inputs}
        return [nid for nid in self.spec.network.nodes if nid not in inputs]

    def _layout(self) -> None:
        w, h = self.size
        side = min(h - 40, int(w * 0.38))
        self._pad = (20, 20, side, side)
        left = 40 + side
        right = w - left - 20
        widths = {"in": int(right * 0.25), "net": int(right * 0.45), "out": int(right * 0.3)}
        starts = {"in": left, "net": left + widths["in"], "out": left + widths["in"] + widths["net"]}
        self.bars: dict[str, tuple] = {}
        kinds = {s.name: s.source for s in self.spec.inputs}
        taught = dict(self.spec.learn.outputs) if self.spec.learn else {}
        columns = [
            ("in", [(s.name, (0.0, 1.0) if kinds[s.name] in UNIPOLAR
                     and s.options.get("event") != "bend" else (-1.0, 1.0)) for s in self.spec.inputs]),
            ("net", [(nid, taught.get(nid, (-1.0, 1.0))) for nid in self._nodes()]),
            ("out", [(o.name, (0.0, 1.0)) for o in self.spec.outputs]),
        ]
        self.sliders: dict[str, tuple] = {}  # the values to record, for a taught network
        learn = self.spec.learn
        if learn is not None:
            for i, (name, (lo, hi)) in enumerate(learn.outputs.items()):
                y = 20 + side + 28 + i * 26
                if y + 12 < h - 30:
                    self.sliders[name] = ((20, y, side, 12), lo, hi)
        for kind, items in columns:
            x = starts[kind]
            step = min(44, (h - 40) // max(len(items), 1))
            bar_w = widths[kind] - 20 if kind != "net" else (widths[kind] - 20) // 2
            for r, (name, (lo, hi)) in enumerate(items):
                y = 20 + r * step + min(14, step // 2)
                self.bars[f"{kind}:{name}"] = ((x, y, bar_w, max(3, min(10, step // 3))), lo, hi)

    def pad(self) -> tuple[int, int, int, int]:
        """The mouse pad's rectangle (x, y, width, height) in window pixels."""
        return self._pad

    def draw(self, inst) -> None:
        """Draw the current state of a running :class:`~neuromix.instrument.loop.Instrument`."""
        pg, surf = self.pg, self.surface
        surf.fill(BACKGROUND)
        self._draw_pad(inst)
        if inst.teacher is not None:
            self._draw_teaching(inst.teacher)
        values = dict(zip(inst.bank.names, inst.bank.values))
        for nid in self.traces:
            self.traces[nid].append(float(inst.row[self.channels[nid]]))
        self._draw_weights(inst.network)
        for key, (rect, lo, hi) in self.bars.items():
            kind, name = key.split(":", 1)
            if kind == "in":
                value = values[name]
            elif kind == "net":
                value = float(inst.row[self.channels[name]])
            else:
                out = inst.outputs.get(name)
                value = out.value if out is not None else 0.0
            pg.draw.rect(surf, PANEL, rect)
            pg.draw.rect(surf, FILL[kind], bar_fill(rect, value, lo, hi))
            surf.blit(self.font.render(f"{name} {value:+.2f}", True, TEXT), (rect[0], rect[1] - 12))
            if kind == "net":
                self._draw_trace(rect, self.traces[name], lo, hi)
                surf.blit(self.small.render(self._weights(name, inst.network), True, TEXT),
                          (rect[0] + rect[2] + 8, rect[1] - 12), (0, 0, rect[2] - 8, 14))
        pg.display.flip()

    @staticmethod
    def _weight(network, node, inp):
        """A constant input weight's live value (it may have been set, or trained), else None."""
        if isinstance(inp.weight, Signal):
            return None
        return network.get(f"{node.id}.w.{inp.key}") if f"{node.id}.w.{inp.key}" in \
            network.addresses else inp.weight

    def _weights(self, name: str, network) -> str:
        """A node's type and weighted inputs, e.g. ``neuron: x +2.2, loop +0.85``."""
        node = self.spec.network.nodes[name]
        live = [(i, self._weight(network, node, i)) for i in node.inputs[:3]]
        weights = ", ".join(f"{i.key} {w:+.2g}" if w is not None else f"{i.key} ~{i.weight.ref}"
                            for i, w in live)
        more = ", ..." if len(node.inputs) > 3 else ""
        return f"{node.type}: {weights}{more}" if weights else node.type

    def handle(self, event, teacher) -> bool:
        """Keys and sliders of record / train / run; True when the event was theirs."""
        pg = self.pg
        if event.type == pg.KEYDOWN:
            command = {pg.K_r: "stopRecording" if teacher.recording else "startRecording",
                       pg.K_t: "train", pg.K_ESCAPE: "cancelTrain",
                       pg.K_SPACE: "stopRunning" if teacher.running else "startRunning",
                       pg.K_c: "capture", pg.K_x: "deleteAllExamples"}.get(event.key)
            if command:
                teacher.post(command)
            return command is not None
        pressed = (event.type == pg.MOUSEBUTTONDOWN and event.button == 1) or (
            event.type == pg.MOUSEMOTION and event.buttons and event.buttons[0])
        if not pressed:
            return False
        for i, ((x, y, w, h), lo, hi) in enumerate(self.sliders.values()):
            px, py = event.pos
            if x <= px < x + w and y - 4 <= py < y + h + 4:
                teacher.targets[i] = lo + (hi - lo) * min(max((px - x) / (w - 1), 0.0), 1.0)
                return True
        return False

    def _draw_teaching(self, teacher) -> None:
        """The sliders (values to record) and a status line."""
        surf, pg = self.surface, self.pg
        for i, (name, (rect, lo, hi)) in enumerate(self.sliders.items()):
            value = float(teacher.targets[i])
            pg.draw.rect(surf, PANEL, rect)
            pg.draw.rect(surf, RECORD if teacher.recording else FILL["out"],
                         bar_fill(rect, value, lo, hi))
            surf.blit(self.font.render(f"record {name} = {value:.3g}", True, TEXT),
                      (rect[0], rect[1] - 12))
        state = ["RUNNING" if teacher.running else "stopped",
                 f"{'RECORDING ' if teacher.recording else ''}{len(teacher.x)} examples"]
        if teacher.training is not None and teacher.training.is_alive() and teacher.progress:
            epoch, _, val = teacher.progress
            state.append(f"training: epoch {epoch}, error {val / 2:.2%}")
        elif teacher.model is not None:
            state.append(f"trained: error {teacher.model.error:.2%}")
        w, h = self.size
        surf.blit(self.font.render("  |  ".join(state), True, RECORD if teacher.recording
                                   else TEXT), (20, h - 34))
        surf.blit(self.small.render(KEYS, True, TEXT), (20, h - 18))

    def _draw_pad(self, inst) -> None:
        pg, (x, y, w, h) = self.pg, self._pad
        pg.draw.rect(self.surface, PANEL, self._pad)
        pos = {s.options.get("axis"): inst.bank.values[i] for i, s in enumerate(self.spec.inputs)
               if s.source == "mouse" and "axis" in s.options}
        if pos:
            px = x + int(pos.get("x", 0.5) * (w - 1))
            py = y + int((1.0 - pos.get("y", 0.5)) * (h - 1))
            pg.draw.line(self.surface, BACKGROUND, (px, y), (px, y + h - 1))
            pg.draw.line(self.surface, BACKGROUND, (x, py), (x + w - 1, py))
            pg.draw.circle(self.surface, FILL["in"], (px, py), 6)

    def _draw_weights(self, network) -> None:
        for nid in self.traces:
            node = self.spec.network.nodes[nid]
            (tx, ty, _, th), _, _ = self.bars[f"net:{nid}"]
            for inp in node.inputs:
                src = self.bars.get(f"in:{inp.ref.node}")
                weight = self._weight(network, node, inp)
                if src is None or weight is None or weight == 0.0:
                    continue
                (sx, sy, sw, sh), _, _ = src
                colour = POSITIVE if weight >= 0 else NEGATIVE
                self.pg.draw.line(self.surface, colour, (sx + sw, sy + sh // 2), (tx, ty + th // 2),
                                  max(1, min(5, int(round(abs(weight))))))

    def _draw_trace(self, rect, trace, lo: float, hi: float) -> None:
        x, y, w, h = rect
        if len(trace) < 2:
            return
        left, width = x + w + 8, w - 8  # the trace sits right of its bar, as wide
        points = [(left + int(i * width / (TRACE - 1)),
                   y + h - int(round((min(max(v, lo), hi) - lo) / (hi - lo) * h)))
                  for i, v in enumerate(trace)]
        self.pg.draw.lines(self.surface, FILL["net"], False, points)

    def close(self) -> None:
        self.pg.display.quit()
