"""Render a service card, as the bot sends it, to a PNG for the README.

Not a screenshot of Telegram: the text and buttons are exactly what `bot.render.service_card`
produces for a service of the bundled sample catalogue (bold, italic and line breaks kept);
the chat bubble and buttons around them are drawn to look like Telegram's, in DejaVu Sans.

    .venv/bin/pip install -e '.[docs]'
    .venv/bin/python docs/tools/card_png.py docs/card.png
    .venv/bin/python docs/tools/card_png.py docs/card.png --service oik-siedlce-interwencja

Needs Pillow and the DejaVu fonts (Debian: fonts-dejavu-core).
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bot.render import Reply, service_card
from bot.runtime import Runtime
from bot.settings import Settings

FONTS = Path("/usr/share/fonts/truetype/dejavu")
SIZE = 30  # font size in pixels; the image is drawn at 2x for sharp text
WIDTH = 1000  # of the bubble's text
PAD = 28
BACKGROUND = (207, 220, 190)  # Telegram's default green-grey chat background, roughly
BUBBLE = (255, 255, 255)
BUTTON = (120, 140, 110)
TEXT = (0, 0, 0)
WHEN = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday morning, for cards with hours


@dataclass(frozen=True)
class Run:
    """A piece of text in one style."""

    text: str
    bold: bool
    italic: bool


class _Runs(HTMLParser):
    """Telegram HTML (b, i, a) as lines of styled runs."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[list[Run]] = [[]]
        self.bold = self.italic = False

    def handle_starttag(self, tag: str, attrs: object) -> None:  # noqa: ARG002
        self._style(tag, on=True)

    def handle_endtag(self, tag: str) -> None:
        self._style(tag, on=False)

    def handle_data(self, data: str) -> None:
        for index, part in enumerate(data.split("\n")):
            if index:
                self.lines.append([])
            if part:
                self.lines[-1].append(Run(part, self.bold, self.italic))

    def _style(self, tag: str, *, on: bool) -> None:
        if tag == "b":
            self.bold = on
        elif tag == "i":
            self.italic = on


STYLES = {(False, False): "", (True, False): "-Bold", (False, True): "-Oblique"}


def font(run: Run) -> ImageFont.FreeTypeFont:
    """DejaVu Sans in the run's style."""
    name = "DejaVuSans" + STYLES.get((run.bold, run.italic), "-BoldOblique")
    return ImageFont.truetype(str(FONTS / f"{name}.ttf"), SIZE)


def wrapped(line: list[Run]) -> list[list[Run]]:
    """A line of runs cut into rows no wider than WIDTH, between words."""
    rows: list[list[Run]] = [[]]
    width = 0.0
    for run in line:
        for word in run.text.split(" "):
            piece = Run(word + " ", run.bold, run.italic)
            size = font(piece).getlength(piece.text)
            if width + size > WIDTH and rows[-1]:
                rows.append([])
                width = 0.0
            rows[-1].append(piece)
            width += size
    return rows


def draw(card: Reply) -> Image.Image:
    """The card's text in a bubble, its buttons below it."""
    parser = _Runs()
    parser.feed(card.text)
    rows = [row for line in parser.lines for row in wrapped(line)]
    line_height = int(SIZE * 1.45)
    bubble_height = PAD * 2 + line_height * len(rows)
    button_height = 64
    buttons = list(card.buttons)
    image = Image.new(
        "RGB",
        (WIDTH + PAD * 4, bubble_height + (button_height + 8) * len(buttons) + PAD * 3),
        BACKGROUND,
    )
    pen = ImageDraw.Draw(image)
    left, top = PAD, PAD
    pen.rounded_rectangle(
        (left, top, left + WIDTH + PAD * 2, top + bubble_height), radius=24, fill=BUBBLE
    )
    y = top + PAD
    for row in rows:
        x = float(left + PAD)
        for run in row:
            pen.text((x, y), run.text, font=font(run), fill=TEXT)
            x += font(run).getlength(run.text)
        y += line_height
    y = top + bubble_height + 8
    for button_row in buttons:
        width = (WIDTH + PAD * 2 - 8 * (len(button_row) - 1)) / len(button_row)
        x = float(left)
        for button in button_row:
            box = (x, y, x + width, y + button_height)
            pen.rounded_rectangle(box, radius=16, fill=BUTTON)
            label = Run(button.label, bold=True, italic=False)
            size = font(label).getlength(label.text)
            pen.text(
                (x + (width - size) / 2, y + (button_height - SIZE) / 2 - 2),
                label.text,
                font=font(label),
                fill=(255, 255, 255),
            )
            x += width + 8
        y += button_height + 8
    return image


def main() -> None:
    """Render the chosen service of the bundled sample catalogue."""
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("output", type=Path)
    arguments.add_argument("--service", default="mopr-siedlce-przemoc")
    arguments.add_argument("--lang", default="pl")
    chosen = arguments.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(_env_file=None, data_dir=Path(folder))
        with Runtime.open(settings) as runtime:
            service = runtime.catalog.service(chosen.service)
            if service is None:
                raise SystemExit(f"no service {chosen.service!r} in the sample catalogue")
            card = service_card(service, chosen.lang, WHEN, number=1)
    draw(card).save(chosen.output, optimize=True)


if __name__ == "__main__":
    main()
