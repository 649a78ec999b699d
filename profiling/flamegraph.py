#!/usr/bin/env python3
"""Render `perf script` output as a flame graph (SVG), with no other tools.

    perf script -i perf.data | profiling/flamegraph.py --title "..." > flame.svg

Stacks are folded (root first), identical stacks counted, and drawn as
nested boxes whose width is the share of samples; hovering a box shows its
function, its sample count and share.  Colours only separate neighbours.
"""
import argparse
import collections
import html
import sys


def fold(lines):
    """perf script text -> Counter of 'root;...;leaf' stacks."""
    stacks = collections.Counter()
    frames = []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if frames:
                stacks[";".join(reversed(frames))] += 1
            frames = []
            continue
        if line[0] not in " \t":
            frames = []         # the event header line of a sample
            continue
        parts = line.strip().split(None, 1)
        if len(parts) < 2:
            continue
        sym = parts[1].rsplit(" (", 1)[0]       # drop "(dso)"
        sym = sym.split("+0x")[0] or "[unknown]"
        frames.append(sym)
    if frames:
        stacks[";".join(reversed(frames))] += 1
    return stacks


def build_tree(stacks):
    """Nested dict tree: name -> [count, children]."""
    root = [0, {}]
    for stack, n in stacks.items():
        root[0] += n
        node = root
        for fr in stack.split(";"):
            child = node[1].setdefault(fr, [0, {}])
            child[0] += n
            node = child
    return root


def render(tree, title, width=1200, row=16, minwidth=0.3):
    total = tree[0] or 1
    boxes = []

    def walk(node, x, depth):
        for name, child in sorted(node[1].items()):
            w = child[0] / total * width
            if w >= minwidth:
                boxes.append((x, depth, w, name, child[0]))
                walk(child, x, depth + 1)
            x += w

    walk(tree, 0.0, 0)
    depth = max((b[1] for b in boxes), default=0) + 1
    height = (depth + 3) * row
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="monospace" font-size="11">',
           f'<rect width="100%" height="100%" fill="#fdfdf6"/>',
           f'<text x="{width / 2}" y="{row}" text-anchor="middle" font-size="14">{html.escape(title)}</text>']
    for x, d, w, name, n in boxes:
        y = height - (d + 2) * row
        hue = (sum(map(ord, name)) * 37) % 60          # warm colours
        label = html.escape(name)
        out.append(f'<g><title>{label} ({n} samples, {100.0 * n / total:.1f}%)</title>'
                   f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{row - 1}" '
                   f'fill="hsl({hue},85%,60%)"/>')
        chars = int(w / 7)
        if chars >= 3:
            text = name if len(name) <= chars else name[:chars - 2] + ".."
            out.append(f'<text x="{x + 2:.2f}" y="{y + row - 4}">{html.escape(text)}</text>')
        out.append('</g>')
    out.append(f'<text x="4" y="{height - 4}">{total} samples</text></svg>')
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--title", default="CPU flame graph")
    ap.add_argument("--folded", help="also write the folded stacks to this file")
    args = ap.parse_args()
    stacks = fold(sys.stdin)
    if not stacks:
        sys.exit("flamegraph.py: no samples with call stacks in the input (perf record -g?)")
    if args.folded:
        with open(args.folded, "w") as f:
            for s, n in stacks.most_common():
                f.write(f"{s} {n}\n")
    sys.stdout.write(render(build_tree(stacks), args.title))


if __name__ == "__main__":
    main()
