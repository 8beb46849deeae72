"""Draw the shop's own collectible illustrations (flat design SVG, 4:3) and its logo.

Run: python scripts/draw_collectible_images.py   (writes assets/collectibles/col-00N.svg and
assets/logo.svg, assets/favicon.svg). The drawings are generic, made here from simple shapes:
no photos, no logos or artwork copied from anyone.
"""

from __future__ import annotations

import math
import random
import struct
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "assets" / "collectibles"
W, H = 400, 300


def svg(title: str, stops: tuple[str, str], body: str, angle: str = "0 0 0 1") -> str:
    x1, y1, x2, y2 = angle.split()
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" '
        f'height="{H}" role="img" aria-label="{title}"><title>{title}</title>'
        f'<defs><linearGradient id="bg" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}">'
        f'<stop offset="0" stop-color="{stops[0]}"/><stop offset="1" stop-color="{stops[1]}"/>'
        f'</linearGradient></defs><rect width="{W}" height="{H}" fill="url(#bg)"/>{body}</svg>\n'
    )


def rect(x, y, w, h, fill, rx=0, extra="") -> str:
    r = f' rx="{rx}"' if rx else ""
    return f'<rect x="{x}" y="{y}" width="{w}" height="{h}"{r} fill="{fill}"{extra}/>'


def circle(cx, cy, r, fill, extra="") -> str:
    return f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{fill}"{extra}/>'


def path(d, fill, extra="") -> str:
    return f'<path d="{d}" fill="{fill}"{extra}/>'


def shadow(cx, cy, rx, ry=10) -> str:
    return f'<ellipse cx="{cx}" cy="{cy}" rx="{rx}" ry="{ry}" fill="#000" opacity=".22"/>'


def hero_card() -> str:
    """A caped hero figure in a blister pack on a card."""
    body = shadow(200, 282, 110, 8)
    body += rect(108, 18, 184, 262, "#f59e0b", 14) + rect(108, 18, 184, 56, "#b45309", 14)
    body += rect(108, 58, 184, 16, "#b45309") + circle(200, 36, 8, "#7c2d12")
    body += rect(132, 84, 136, 184, "#fff", 20, ' opacity=".35"')
    # cape, body, head with pointed cowl
    body += path("M170 132 L230 132 L252 252 L200 236 L148 252 Z", "#1e293b")
    body += rect(180, 128, 40, 70, "#475569", 8)
    body += rect(180, 176, 40, 8, "#facc15")
    body += rect(182, 196, 15, 52, "#334155", 5) + rect(203, 196, 15, 52, "#334155", 5)
    body += path("M184 100 L186 86 L192 98 L208 98 L214 86 L216 100 L216 124 L184 124 Z", "#1e293b")
    body += rect(188, 112, 24, 12, "#fcd9b6", 4)
    body += path("M190 106 h8 v4 h-8 Z M202 106 h8 v4 h-8 Z", "#fff")
    body += path("M188 142 L200 152 L212 142 Z", "#facc15")
    body += rect(132, 84, 136, 18, "#fff", 10, ' opacity=".35"')
    return svg("Caped hero action figure on its card", ("#312e81", "#7c3aed"), body)


def starship() -> str:
    """A saucer-shaped starship in deep space."""
    rng = random.Random(2)
    stars = "".join(
        circle(rng.randint(0, W), rng.randint(0, H), rng.choice((1, 1, 1.5, 2)), "#fff")
        for _ in range(40)
    )
    hull = "M60 150 Q60 96 200 92 Q340 96 340 150 Q340 212 200 216 Q60 212 60 150 Z"
    body = stars + '<g transform="rotate(-12 200 160)">' + path(hull, "#cbd5e1")
    body += path("M300 128 L372 132 L372 150 L300 152 Z", "#94a3b8")
    body += path("M300 160 L372 164 L372 182 L300 180 Z", "#94a3b8")
    body += path("M70 170 Q200 236 330 170 Q330 196 200 216 Q70 196 70 170 Z", "#64748b")
    body += path("M66 122 Q66 110 90 104 L90 196 Q66 186 66 176 Z", "#38bdf8", ' opacity=".9"')
    body += circle(200, 150, 36, "#e2e8f0") + circle(200, 150, 22, "#94a3b8")
    body += rect(236, 186, 58, 22, "#94a3b8", 11) + circle(290, 197, 9, "#0ea5e9")
    body += circle(150, 114, 14, "#e2e8f0") + circle(150, 114, 6, "#64748b")
    body += path("M120 140 h30 v8 h-30 Z M230 120 h40 v6 h-40 Z M240 160 h30 v6 h-30 Z", "#94a3b8")
    body += "</g>"
    return svg("Saucer-shaped starship model", ("#020617", "#1e3a8a"), body, "0 0 1 1")


def armour() -> str:
    """A red and gold armoured suit with a glowing chest reactor."""
    red, gold, dark, glow = "#b91c1c", "#fbbf24", "#7f1d1d", "#67e8f9"
    body = shadow(200, 284, 90, 8)
    body += rect(160, 262, 34, 20, dark, 6) + rect(206, 262, 34, 20, dark, 6)
    body += rect(164, 196, 30, 72, red, 10) + rect(206, 196, 30, 72, red, 10)
    body += rect(166, 222, 26, 14, gold, 4) + rect(208, 222, 26, 14, gold, 4)
    body += rect(110, 104, 30, 100, red, 14) + rect(260, 104, 30, 100, red, 14)
    body += rect(112, 192, 26, 26, gold, 10) + rect(262, 192, 26, 26, gold, 10)
    body += path("M140 96 Q200 84 260 96 L250 200 L150 200 Z", red)
    body += path("M160 160 L240 160 L236 200 L164 200 Z", gold)
    body += rect(150, 190, 100, 12, dark, 4)
    body += circle(200, 128, 16, "#0e7490") + circle(200, 128, 11, glow)
    body += circle(200, 128, 22, glow, ' opacity=".25"')
    body += path("M168 30 Q200 16 232 30 L236 76 Q200 96 164 76 Z", red)
    body += path("M178 44 L222 44 L220 80 Q200 90 180 80 Z", gold)
    body += path("M182 56 L196 58 L196 62 L182 61 Z M218 56 L204 58 L204 62 L218 61 Z", glow)
    body += rect(192, 72, 16, 3, dark, 1)
    return svg("Red and gold armoured suit", ("#fde68a", "#f97316"), body, "0 0 1 1")


def card_fan() -> str:
    """Five trading cards fanned out, each with a simple emblem."""
    flame = "M0 -124 Q24 -100 12 -80 Q4 -92 0 -84 Q-4 -92 -12 -80 Q-24 -100 0 -124 Z"
    bolt = "M-6 -122 L10 -100 L0 -100 L8 -76 L-12 -104 L-2 -104 Z"
    cards = [
        ("#2563eb", "#bfdbfe", circle(0, -98, 20, "#1d4ed8")),
        ("#16a34a", "#bbf7d0", path("M0 -122 Q22 -98 0 -74 Q-22 -98 0 -122 Z", "#15803d")),
        ("#dc2626", "#fef08a", path(flame, "#ea580c")),
        ("#0891b2", "#cffafe", path("M0 -122 Q18 -92 0 -76 Q-18 -92 0 -122 Z", "#0e7490")),
        ("#7c3aed", "#ddd6fe", path(bolt, "#6d28d9")),
    ]
    body = shadow(200, 276, 120, 10)
    # Outer cards first, so the middle one (the flame) is on top.
    for index in (0, 4, 1, 3, 2):
        edge, face, emblem = cards[index]
        angle = (index - 2) * 16
        body += f'<g transform="translate(200 262) rotate({angle})">'
        body += rect(-52, -170, 104, 150, "#facc15", 8)
        body += rect(-45, -163, 90, 136, edge, 5) + rect(-39, -140, 78, 66, face, 4)
        body += emblem + rect(-39, -66, 78, 8, face, 3, ' opacity=".8"')
        body += rect(-39, -52, 52, 6, face, 3, ' opacity=".6"') + "</g>"
    return svg("Fanned set of trading cards", ("#0f766e", "#84cc16"), body, "0 0 1 1")


def robot() -> str:
    """A giant robot in white, blue, red and yellow."""
    white, blue, red, yellow, grey = "#f8fafc", "#1d4ed8", "#dc2626", "#facc15", "#64748b"
    body = shadow(200, 286, 100, 8)
    body += rect(156, 258, 40, 24, red, 6) + rect(204, 258, 40, 24, red, 6)
    body += rect(160, 190, 32, 74, white, 8) + rect(208, 190, 32, 74, white, 8)
    body += rect(162, 214, 28, 10, grey, 3) + rect(210, 214, 28, 10, grey, 3)
    body += rect(176, 172, 48, 26, red, 6)
    body += rect(96, 96, 42, 40, white, 10) + rect(262, 96, 42, 40, white, 10)
    body += rect(104, 132, 26, 62, grey, 8) + rect(270, 132, 26, 62, grey, 8)
    body += rect(100, 188, 34, 28, white, 8) + rect(266, 188, 34, 28, white, 8)
    body += path("M140 96 L260 96 L250 176 L150 176 Z", blue)
    body += rect(152, 104, 40, 24, yellow, 4) + rect(208, 104, 40, 24, yellow, 4)
    body += path(
        "M158 110 h28 M158 116 h28 M158 122 h28 M214 110 h28 M214 116 h28 M214 122 h28",
        "none",
        f' stroke="{grey}" stroke-width="3"',
    )
    body += rect(190, 136, 20, 34, red, 4)
    body += rect(176, 46, 48, 50, white, 10) + rect(182, 64, 36, 12, "#0f172a", 3)
    body += path("M186 68 h10 v4 h-10 Z M204 68 h10 v4 h-10 Z", "#4ade80")
    body += path("M200 50 L160 20 L168 18 L200 40 L232 18 L240 20 Z", yellow)
    body += rect(194, 82, 12, 10, red, 2)
    return svg("Giant robot model", ("#38bdf8", "#e0f2fe"), body)


def arcade() -> str:
    """An upright arcade cabinet on a neon grid floor."""
    grid = "".join(
        f'<path d="M{200 + (x - 200) * 0.2} 210 L{x} 300" stroke="#f0abfc" stroke-width="1.5" '
        'opacity=".5"/>'
        for x in range(-200, 620, 60)
    )
    grid += "".join(
        f'<path d="M0 {y} H400" stroke="#f0abfc" stroke-width="1.5" opacity=".5"/>'
        for y in (216, 228, 246, 272)
    )
    body = rect(0, 210, W, 90, "#3b0764") + grid + shadow(200, 286, 90, 8)
    body += path("M138 22 L262 22 L262 282 L138 282 Z", "#1e1b4b")
    body += path("M126 16 L150 16 L150 286 L126 286 Z", "#4338ca")
    body += path("M250 16 L274 16 L274 286 L250 286 Z", "#4338ca")
    body += rect(150, 26, 100, 34, "#facc15", 4) + rect(158, 34, 84, 18, "#f97316", 3)
    body += rect(156, 72, 88, 76, "#0f172a", 6) + rect(162, 78, 76, 64, "#1d4ed8", 3)
    body += rect(162, 124, 76, 18, "#16a34a")
    body += rect(176, 96, 12, 28, "#fca5a5", 3) + circle(182, 92, 6, "#fcd9b6")
    body += rect(210, 96, 12, 28, "#fde047", 3) + circle(216, 92, 6, "#fcd9b6")
    body += rect(166, 82, 28, 4, "#facc15", 2) + rect(206, 82, 28, 4, "#facc15", 2)
    body += path("M144 162 L256 162 L270 196 L130 196 Z", "#312e81")
    body += rect(166, 168, 4, 14, "#cbd5e1") + circle(168, 168, 6, "#ef4444")
    body += rect(226, 168, 4, 14, "#cbd5e1") + circle(228, 168, 6, "#3b82f6")
    for x, colour in ((180, "#facc15"), (192, "#22c55e"), (240, "#facc15"), (252, "#22c55e")):
        body += circle(x, 184, 4, colour)
    body += rect(186, 226, 28, 18, "#0f172a", 3) + rect(196, 230, 8, 10, "#f97316", 2)
    return svg("Upright arcade cabinet", ("#7e22ce", "#f472b6"), body)


def logo(size: int = 64) -> str:
    """The shop's mark: a display case with a star."""
    star = " ".join(
        f"{32 + r * math.sin(math.pi * i / 5):.1f},{35 - r * math.cos(math.pi * i / 5):.1f}"
        for i, r in zip(range(10), [13, 5.5] * 5, strict=True)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="{size}" '
        f'height="{size}"><title>MongoCollectibles</title><defs><linearGradient id="g" x1="0" '
        'y1="0" x2="1" y2="1"><stop offset="0" stop-color="#6366f1"/><stop offset="1" '
        'stop-color="#a855f7"/></linearGradient></defs>'
        '<rect width="64" height="64" rx="14" fill="url(#g)"/>'
        '<rect x="12" y="14" width="40" height="40" rx="6" fill="none" stroke="#fff" '
        f'stroke-width="4"/><polygon points="{star}" fill="#facc15"/></svg>\n'
    )


def _inside(poly: list[tuple[float, float]], x: float, y: float) -> bool:
    hit = False
    for (x1, y1), (x2, y2) in zip(poly, poly[1:] + poly[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def _logo_pixel(x: float, y: float) -> tuple[int, int, int, int]:
    """The logo's colour at (x, y) in its 64x64 box (same shapes as `logo`)."""
    star = [
        (32 + r * math.sin(math.pi * i / 5), 35 - r * math.cos(math.pi * i / 5))
        for i, r in zip(range(10), [13, 5.5] * 5, strict=True)
    ]
    cx, cy = min(max(x, 14), 50), min(max(y, 14), 50)
    if (x - cx) ** 2 + (y - cy) ** 2 > 14**2:
        return (0, 0, 0, 0)  # outside the rounded corners
    if _inside(star, x, y):
        return (250, 204, 21, 255)
    ring = 10 <= x <= 54 and 12 <= y <= 56 and not (14 <= x <= 50 and 16 <= y <= 52)
    if ring:
        return (255, 255, 255, 255)
    t = (x + y) / 128
    return (
        round(99 + (168 - 99) * t),
        round(102 + (85 - 102) * t),
        round(241 + (247 - 241) * t),
        255,
    )


def favicon_ico(size: int = 32, samples: int = 3) -> bytes:
    """A one-image .ico (PNG inside) of the logo, rasterised here (no imaging library)."""
    rows = []
    for py in range(size):
        row = bytearray([0])  # PNG filter: none
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(samples):
                for sx in range(samples):
                    x = (px + (sx + 0.5) / samples) * 64 / size
                    y = (py + (sy + 0.5) / samples) * 64 / size
                    r, g, b, a = _logo_pixel(x, y)
                    acc = [acc[0] + r * a, acc[1] + g * a, acc[2] + b * a, acc[3] + a]
            alpha = acc[3] / samples**2
            rgb = [round(c / acc[3]) if acc[3] else 0 for c in acc[:3]]
            row += bytes([*rgb, round(alpha)])
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(png), 6 + 16)
    return header + entry + png


DRAWINGS = {
    "col-001": hero_card,
    "col-002": starship,
    "col-003": armour,
    "col-004": card_fan,
    "col-005": robot,
    "col-006": arcade,
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, draw in DRAWINGS.items():
        (OUT / f"{name}.svg").write_text(draw())
    (ROOT / "assets" / "logo.svg").write_text(logo())
    (ROOT / "assets" / "favicon.svg").write_text(logo(32))
    (ROOT / "assets" / "favicon.ico").write_bytes(favicon_ico())
    print(f"wrote {len(DRAWINGS)} drawings to {OUT.relative_to(ROOT)} and the logo")


if __name__ == "__main__":
    main()
