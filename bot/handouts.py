"""Printed handouts: an A4 poster (PDF, with a QR code that opens the bot at the poster's place)
and the whole catalogue as a printable HTML directory, one page per situation.

What they list is chosen in `catalog.handout`; this module lays it out, with every sentence from
locales/. The PDF needs a TrueType font with Polish and Cyrillic letters: DejaVu Sans (Debian's
fonts-dejavu-core), or the file named by DROGOWSKAZ_POSTER_FONT.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import segno
from fpdf import FPDF

from bot.i18n import situation_label, t
from bot.render import PlaceLink, contact_lines, place_payload, service_title
from catalog.handout import POSTER_LEAST
from catalog.model import Catalog, Service

FONT_DIRECTORIES = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu
    Path("/usr/share/fonts/dejavu"),  # Fedora, Arch
    Path("/usr/local/share/fonts"),
)
FONT_FILE, BOLD_FONT_FILE = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
FOOTER_TOP = 297.0 - 24.0  # mm: the 112 line sits below this; contacts end above it
CONTACT_SIZES = (10.5, 9.5, 8.5)  # points, tried in order until the contacts fit
_FAMILY = "poster"


class FontMissingError(RuntimeError):
    """No font with Polish and Cyrillic letters was found for the PDF."""


@dataclass(frozen=True, slots=True)
class Poster:
    """Everything one poster shows."""

    bot_username: str
    place_name: str  # 'Siedlce'
    link: PlaceLink
    services: tuple[Service, ...]
    situation_label: str | None = None

    @property
    def url(self) -> str:
        """The deep link the QR code holds: opens the bot with place (and situation) set."""
        return f"https://t.me/{self.bot_username}?start={place_payload(self.link)}"


def find_font(configured: Path | None) -> tuple[Path, Path | None]:
    """The regular and (if any) bold font files to embed."""
    if configured is not None:
        if not configured.is_file():
            raise FontMissingError(str(configured))
        return configured, None
    for directory in FONT_DIRECTORIES:
        regular = directory / FONT_FILE
        if regular.is_file():
            bold = directory / BOLD_FONT_FILE
            return regular, bold if bold.is_file() else None
    raise FontMissingError(", ".join(str(directory / FONT_FILE) for directory in FONT_DIRECTORIES))


def poster_pdf(poster: Poster, lang: str, *, font: tuple[Path, Path | None]) -> bytes:
    """One A4 page: title, what the bot does, the QR code and its link, the local contacts."""
    pdf, _ = poster_layout(poster, lang, font=font)
    return bytes(pdf.output())


def poster_layout(
    poster: Poster, lang: str, *, font: tuple[Path, Path | None]
) -> tuple[FPDF, int]:
    """The page and how many contacts it shows: all of them in the largest type that fits
    above the 112 line, else smaller type, else fewer contacts (never fewer than three)."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(18, 14, 18)
    regular, bold = font
    pdf.add_font(_FAMILY, "", str(regular))
    pdf.add_font(_FAMILY, "B", str(bold or regular))
    pdf.add_page()
    _head(pdf, poster, lang)
    services = poster.services
    least = min(len(services), POSTER_LEAST)
    tries = [
        (count, size) for count in range(len(services), least - 1, -1) for size in CONTACT_SIZES
    ]
    room = FOOTER_TOP - pdf.get_y()
    count, size = next(
        (
            (count, size)
            for count, size in tries
            if _contacts(pdf, services[:count], size, lang, dry_run=True) <= room
        ),
        tries[-1] if tries else (0, CONTACT_SIZES[0]),
    )
    _contacts(pdf, services[:count], size, lang, dry_run=False)
    pdf.set_y(FOOTER_TOP + 4)
    pdf.set_font(_FAMILY, "B", 12)
    emergency = t("poster.emergency", lang)
    pdf.multi_cell(pdf.epw, 6, emergency, align="C", new_x="LMARGIN", new_y="NEXT")
    return pdf, count


def _head(pdf: FPDF, poster: Poster, lang: str) -> None:
    """Title, what the bot does, the QR code and its link, the contacts' heading."""
    width = pdf.epw
    title = (
        t("poster.title_situation", lang, situation=poster.situation_label)
        if poster.situation_label
        else t("poster.title", lang)
    )
    pdf.set_font(_FAMILY, "B", 28)
    pdf.multi_cell(width, 12, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(_FAMILY, "", 13)
    lead = t("poster.lead", lang, place=poster.place_name)
    pdf.multi_cell(width, 6.5, lead, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    side = 64.0
    pdf.image(_qr_png(poster.url), x=(pdf.w - side) / 2, y=pdf.get_y(), w=side, h=side)
    pdf.set_y(pdf.get_y() + side + 1)
    pdf.set_font(_FAMILY, "", 11)
    pdf.multi_cell(width, 5.5, t("poster.scan", lang), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FAMILY, "B", 12)
    pdf.multi_cell(width, 6.5, poster.url, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    if poster.services:
        pdf.set_font(_FAMILY, "B", 14)
        heading = t("poster.contacts", lang, place=poster.place_name)
        pdf.multi_cell(width, 7, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)


def _contacts(
    pdf: FPDF, services: Sequence[Service], size: float, lang: str, *, dry_run: bool
) -> float:
    """Write the contacts in this type size, or only measure them: their height in mm."""
    line = size * 0.47  # mm per line of this type size
    height = 0.0
    for service in services:
        institution = service.institution
        name = institution.short_name or institution.name
        text = "\n".join([service.name, *contact_lines(service, lang)])
        for style, points, step, content in (
            ("B", size + 1.5, line + 0.8, name),
            ("", size, line, text),
        ):
            pdf.set_font(_FAMILY, style, points)
            if dry_run:
                measured = pdf.multi_cell(
                    pdf.epw, step, content, align="L", dry_run=True, output="HEIGHT"
                )
                height += float(measured)  # type: ignore[arg-type]  # output="HEIGHT": a float
            else:
                pdf.multi_cell(pdf.epw, step, content, align="L", new_x="LMARGIN", new_y="NEXT")
        height += 1.5
        if not dry_run:
            pdf.ln(1.5)
    return height


def _qr_png(url: str) -> io.BytesIO:
    """The link as a QR code image, medium error correction (survives a crease or a stain)."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=12, border=4)
    buffer.seek(0)
    return buffer


def directory_html(
    catalog: Catalog, sections: Sequence[tuple[str, Sequence[Service]]], lang: str
) -> str:
    """The catalogue as one HTML document, a printed page per situation."""
    escape = html.escape
    title = t("directory.title", lang, name=catalog.name)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(lang)}"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        f"<style>{_DIRECTORY_CSS}</style></head><body>",
    ]
    for situation, services in sections:
        parts.append(f'<section id="{escape(situation)}">')
        parts.append(f"<h1>{escape(situation_label(situation, lang))}</h1>")
        parts.append(f'<p class="catalog">{escape(title)}</p>')
        for service in services:
            parts.append("<article>")
            parts.append(f"<h2>{escape(service_title(service))}</h2>")
            parts.append(f"<p><b>{escape(service.name)}</b></p>")
            if service.description:
                parts.append(f"<p>{escape(service.description)}</p>")
            area = ", ".join(area.written for area in service.areas)
            lines = [t("directory.area", lang, area=area), *contact_lines(service, lang)]
            parts.append("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>")
            parts.append("</article>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


_DIRECTORY_CSS = (
    "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:11pt;margin:1.5cm}"
    "h1{font-size:20pt;margin:0 0 .2em}h2{font-size:13pt;margin:.8em 0 .1em}"
    ".catalog{color:#555;margin:0 0 1em}ul{margin:.2em 0;padding-left:1.2em}"
    "article{break-inside:avoid}section{break-after:page}section:last-child{break-after:auto}"
    "@page{size:A4;margin:1.5cm}"
)
