"""svgplot - a step-line chart as a standalone SVG file (no plotting library on the machines).

Used for a campaign's coverage over time; vertical marks show when each unique finding appeared.
"""
from html import escape

W, H = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 40, 50


def _nice_step(span, ticks=5):
    raw = max(span / ticks, 1e-9)
    mag = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            return m * mag
    return 10 * mag


def write_svg(path, points, title="", xlabel="seconds", ylabel="", marks=()):
    pts = sorted((float(x), float(y)) for x, y in points)
    xmax = max([p[0] for p in pts] + list(marks) + [1.0])
    ymax = max([p[1] for p in pts] + [1.0])
    xs, ys = _nice_step(xmax), _nice_step(ymax)
    xmax = xs * -(-xmax // xs)
    ymax = ys * -(-ymax // ys)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(x):
        return LEFT + pw * x / xmax

    def py(y):
        return TOP + ph * (1 - y / ymax)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="14">{escape(title)}</text>']
    t = 0.0
    while t <= xmax + 1e-9:
        out.append(f'<line x1="{px(t):.1f}" y1="{TOP}" x2="{px(t):.1f}" y2="{TOP + ph}" stroke="#eee"/>')
        out.append(f'<text x="{px(t):.1f}" y="{TOP + ph + 16}" text-anchor="middle">{t:g}</text>')
        t += xs
    v = 0.0
    while v <= ymax + 1e-9:
        out.append(f'<line x1="{LEFT}" y1="{py(v):.1f}" x2="{LEFT + pw}" y2="{py(v):.1f}" stroke="#eee"/>')
        out.append(f'<text x="{LEFT - 6}" y="{py(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
        v += ys
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{LEFT + pw / 2}" y="{H - 10}" text-anchor="middle">{escape(xlabel)}</text>')
    out.append(f'<text transform="translate(16,{TOP + ph / 2}) rotate(-90)" text-anchor="middle">'
               f'{escape(ylabel)}</text>')
    for m in marks:
        out.append(f'<line x1="{px(m):.1f}" y1="{TOP}" x2="{px(m):.1f}" y2="{TOP + ph}" '
                   'stroke="#c33" stroke-dasharray="4 3"><title>finding</title></line>')
    if pts:
        path_d = [f"M{px(pts[0][0]):.1f},{py(pts[0][1]):.1f}"]
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            path_d.append(f"H{px(x1):.1f}V{py(y1):.1f}")  # coverage only changes at samples
        out.append(f'<path d="{" ".join(path_d)}" fill="none" stroke="#1f5fbf" stroke-width="2"/>')
    else:
        out.append(f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle">no samples</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
