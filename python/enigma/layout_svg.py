"""SVG pictures of layouts, in the spirit of CuTe's ``print_latex``.

:func:`layout_svg` draws a layout as a grid: row ``i``, column ``j`` shows ``L(i, j)``
(mode 0 down; for rank > 2 the modes after the first are enumerated across). Cells
are colored by value so the stride pattern is visible. :func:`tv_svg` draws a
thread-value layout over its tile: each cell names the thread and value that own it,
colored by thread. The values come from the C core (``enigmaLayoutEvaluateRange``);
this module only draws.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from .errors import EnigmaError

if TYPE_CHECKING:  # pragma: no cover
    from .layout import IntTuple, Layout

# The eight fill colors of CuTe's TikzColor_TV, reused for values and threads.
PALETTE = [
    "#afafff",
    "#afffaf",
    "#ffffaf",
    "#ffafaf",
    "#d2d2ff",
    "#d2ffd2",
    "#ffffd2",
    "#ffd2d2",
]

#: Largest grid drawn; bigger layouts are refused rather than producing huge files.
MAX_CELLS = 16384


def _grid_svg(
    rows: int,
    cols: int,
    labels: list[list[str]],
    fills: list[list[str]],
    title: str,
    cell: int,
) -> str:
    margin_left, margin_top = 36, 44
    # Wide enough for the title too (monospace glyphs are ~0.6 em wide).
    width = max(margin_left + cols * cell + 8, margin_left + int(len(title) * 7.9) + 8)
    height = margin_top + rows * cell + 8
    font = max(9, cell // 3)
    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="monospace">'
        ),
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{margin_left}" y="16" font-size="13">{escape(title)}</text>',
    ]
    for j in range(cols):
        x = margin_left + j * cell + cell / 2
        out.append(
            f'<text x="{x:g}" y="{margin_top - 8}" font-size="{font}" '
            f'text-anchor="middle" fill="#555">{j}</text>'
        )
    for i in range(rows):
        y = margin_top + i * cell + cell / 2
        out.append(
            f'<text x="{margin_left - 6}" y="{y:g}" font-size="{font}" text-anchor="end" '
            f'dominant-baseline="central" fill="#555">{i}</text>'
        )
    for i in range(rows):
        for j in range(cols):
            x = margin_left + j * cell
            y = margin_top + i * cell
            out.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" '
                f'fill="{fills[i][j]}" stroke="black" stroke-width="1"/>'
            )
            lines = labels[i][j].split("\n")
            for k, line in enumerate(lines):
                ty = y + cell / 2 + (k - (len(lines) - 1) / 2) * (font + 1)
                out.append(
                    f'<text x="{x + cell / 2:g}" y="{ty:g}" font-size="{font}" '
                    f'text-anchor="middle" dominant-baseline="central">{escape(line)}</text>'
                )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _write(svg: str, path: str | None) -> str:
    if path is not None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(svg)
    return svg


def layout_svg(layout: Layout, path: str | None = None, cell: int = 40) -> str:
    """The SVG of ``layout`` as a rows-by-columns grid of its values."""
    from .layout import size

    rows = size(layout, 0) if len(layout) > 1 else size(layout)
    total = size(layout)
    cols = total // rows if rows else 0
    if total > MAX_CELLS:
        raise EnigmaError(f"layout {layout!r} has {total} cells; at most {MAX_CELLS} are drawn")
    values = layout.values()
    labels = [[str(values[i + rows * j]) for j in range(cols)] for i in range(rows)]
    fills = [
        [PALETTE[values[i + rows * j] % len(PALETTE)] for j in range(cols)] for i in range(rows)
    ]
    return _write(_grid_svg(rows, cols, labels, fills, repr(layout), cell), path)


def tv_svg(tv_layout: Layout, tile_shape: IntTuple, path: str | None = None, cell: int = 44) -> str:
    """The SVG of a (thread, value) -> tile-index layout drawn over its tile."""
    from .layout import size

    if isinstance(tile_shape, int):
        tile_shape = (tile_shape, 1)
    rows = size(tile_shape, 0)
    cols = size(tile_shape) // rows
    if rows * cols > MAX_CELLS:
        raise EnigmaError(
            f"tile {tile_shape} has {rows * cols} cells; at most {MAX_CELLS} are drawn"
        )
    threads = size(tv_layout, 0) if len(tv_layout) > 1 else size(tv_layout)
    total = size(tv_layout)
    values_per_thread = total // threads
    index = tv_layout.values()
    owner: list[list[Any]] = [[None] * cols for _ in range(rows)]
    for v in range(values_per_thread):
        for t in range(threads):
            idx = index[t + threads * v]
            m, n = idx % rows, idx // rows
            if n >= cols or idx < 0:
                raise EnigmaError(
                    f"TV layout {tv_layout!r} maps thread {t} value {v} to index {idx}, "
                    f"outside the tile {tile_shape}"
                )
            if owner[m][n] is None:
                owner[m][n] = (t, v)
    labels = [[f"T{o[0]}\nV{o[1]}" if o else "" for o in row] for row in owner]
    fills = [[PALETTE[o[0] % len(PALETTE)] if o else "#eeeeee" for o in row] for row in owner]
    title = f"TV {tv_layout!r} over tile {tile_shape}"
    return _write(_grid_svg(rows, cols, labels, fills, title, cell), path)
