"""Text from operators, files, the journal or ATL, made safe to show.

Textual parses a plain ``str`` handed to a Static, a DataTable cell, a
Select option or a notification as markup: ``[/]`` in a message crashes the
screen, ``[bold]`` changes what the operator reads and ``[@click=…]`` would
be an action. And a terminal obeys the escape sequences and bidi overrides a
string carries. So data reaches a widget only through this module:

* :func:`literal` - a Rich ``Text`` shown exactly as written (cells, labels,
  options, titles);
* :func:`markup` - our own markup with data in ``$name`` slots, which Textual
  fills in literally;
* :func:`visible` - the string itself with every character that would drive
  the terminal replaced by a visible stand-in.

The app's ``notify`` goes through :func:`visible` too (see app.py), so a
toast never parses markup either.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from ..api.rules import UNSAFE, printable

__all__ = ["NOTIFY_CHARS", "UNSAFE", "literal", "markup", "short", "visible"]

# A notification is a glance: past this, the full text belongs on a screen.
NOTIFY_CHARS = 400


def visible(text: object, *, lines: bool = False) -> str:
    """``text`` with control, bidi-override and separator characters replaced
    by visible stand-ins (``␛``, ``\\u202e``, …). With ``lines`` newlines
    stay line breaks (a CRLF becomes one); without, a newline shows as ⏎."""
    text = "" if text is None else str(text)
    if lines:
        return printable(text.replace("\r\n", "\n"), keep="\n", pictures=True)
    return printable(text, pictures=True)


def literal(text: object, style: str = "", *, lines: bool = False) -> Text:
    """``text`` as a Text that no widget parses: what the operator reads is
    what was written (control characters made visible)."""
    return Text(visible(text, lines=lines), style=style, end="")


def markup(template: str, **values: object) -> Content:
    """Our markup ``template`` with each ``$name`` filled from ``values``,
    literally: ``markup("[b]$name[/] saved", name=data)``. Only the template
    is markup; it must not be built from data."""
    return Content.from_markup(template, **{k: visible(v, lines=True) for k, v in values.items()})


def short(text: object, limit: int = NOTIFY_CHARS) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
