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

BACKGROUND, PANEL, TEXT = (18, 20, 24), (40, 44, 52), (200, 204, 212)
FILL = {"in": (90, 180, 250), "net": (250, 180, 70), "out": (120, 220, 130)}
POSITIVE, NEGATIVE = (80, 140, 255), (255, 90, 80)
UNIPOLAR = {"mouse", "midi"}
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
        from neuromix.instrument.inputs import import_pygame

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
        columns = [
            ("in", [(s.name, (0.0, 1.0) if kinds[s.name] in UNIPOLAR
                     and s.options.get("event") != "bend" else (-1.0, 1.0)) for s in self.spec.inputs]),
            ("net", [(nid, (-1.0, 1.0)) for nid in self._nodes()]),
            ("out", [(o.name, (0.0, 1.0)) for o in self.spec.outputs]),
        ]
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
        values = dict(zip(inst.bank.names, inst.bank.values))
        for nid in self.traces:
            self.traces[nid].append(float(inst.row[self.channels[nid]]))
        self._draw_weights()
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
                surf.blit(self.small.render(self._weights(name), True, TEXT),
                          (rect[0] + rect[2] + 8, rect[1] - 12), (0, 0, rect[2] - 8, 14))
        pg.display.flip()

    def _weights(self, name: str) -> str:
        """A node's type and weighted inputs, e.g. ``neuron: x +2.2, loop +0.85``."""
        node = self.spec.network.nodes[name]
        weights = ", ".join(f"{i.key} {i.weight:+.2g}" if not isinstance(i.weight, Signal)
                            else f"{i.key} ~{i.weight.ref}" for i in node.inputs[:3])
        more = ", ..." if len(node.inputs) > 3 else ""
        return f"{node.type}: {weights}{more}" if weights else node.type

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

    def _draw_weights(self) -> None:
        for nid in self.traces:
            node = self.spec.network.nodes[nid]
            (tx, ty, _, th), _, _ = self.bars[f"net:{nid}"]
            for inp in node.inputs:
                src = self.bars.get(f"in:{inp.ref.node}")
                if src is None or isinstance(inp.weight, Signal):
                    continue
                (sx, sy, sw, sh), _, _ = src
                colour = POSITIVE if inp.weight >= 0 else NEGATIVE
                self.pg.draw.line(self.surface, colour, (sx + sw, sy + sh // 2), (tx, ty + th // 2),
                                  max(1, min(5, int(round(abs(inp.weight))))))

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
