"""Tests of the SVG pictures of layouts and TV layouts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import enigma
import pytest
from enigma import EnigmaError, Layout

SVG = "{http://www.w3.org/2000/svg}"


def cells(svg: str) -> list:
    root = ET.fromstring(svg)
    rects = root.findall(f"{SVG}rect")[1:]  # the first is the white background
    return rects


def texts(svg: str) -> list:
    return [t.text for t in ET.fromstring(svg).findall(f"{SVG}text")]


def test_layout_svg_draws_every_value_in_its_cell() -> None:
    layout = Layout((2, 3), (3, 1))
    svg = layout.to_svg()
    assert len(cells(svg)) == 6
    words = texts(svg)
    assert words[0] == "(2,3):(3,1)"
    # Cells are drawn row by row: L(0,0), L(0,1), ... = 0 1 2 / 3 4 5.
    assert words[-6:] == ["0", "1", "2", "3", "4", "5"]
    assert layout._repr_svg_() == svg


def test_layout_svg_of_rank_one_and_rank_three_layouts() -> None:
    assert len(cells(Layout(4, 2).to_svg())) == 4
    svg = Layout((2, 2, 2)).to_svg()
    assert len(cells(svg)) == 8
    assert texts(svg)[-8:] == ["0", "2", "4", "6", "1", "3", "5", "7"]


def test_tv_layout_svg_labels_thread_and_value(tmp_path: Path) -> None:
    tiler, tv = enigma.make_layout_tv(Layout((2, 4), (4, 1)), Layout((2, 2), (2, 1)))
    out = tmp_path / "tv.svg"
    svg = enigma.tv_layout_svg(tv, tiler, str(out))
    assert out.read_text() == svg
    assert len(cells(svg)) == 4 * 8
    words = texts(svg)
    # Thread 0 owns the 2x2 block at the top left, values row-major.
    first_row = words[-64:][:16]
    assert first_row[:4] == ["T0", "V0", "T0", "V1"]
    assert first_row[4:8] == ["T1", "V0", "T1", "V1"]


def test_svg_refuses_layouts_it_cannot_draw() -> None:
    with pytest.raises(EnigmaError, match="at most"):
        Layout((256, 256)).to_svg()
    with pytest.raises(EnigmaError, match="outside the tile"):
        enigma.tv_layout_svg(Layout((4, 2), (1, 4)), (2, 2))
