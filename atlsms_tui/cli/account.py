"""Profile and account commands: login, units; and the local ones: locate, count, simulator."""

from __future__ import annotations

import getpass
import os
import sys

from ..api import profiles
from ..api.rules import plural
from .common import EXIT_LOW_BALANCE, EXIT_OK, UsageError, err, open_cli_session, out, out_json


def cmd_login(args) -> int:
    """Asks on the terminal what the flags do not give, then saves through
    the one profile flow (api.profiles.save_profile)."""
    settings = profiles.load_settings()
    name = args.profile or os.environ.get("ATLSMS_PROFILE") or settings.current or profiles.DEFAULT_PROFILE
    existing = settings.profiles.get(name)
    ask = sys.stdin.isatty() and not args.password_stdin
    api_url = args.api_url or (existing.api_url if existing else None)
    if api_url is None:
        api_url = _ask("API URL", profiles.DEFAULT_API_URL) if ask else profiles.DEFAULT_API_URL
    allow_insecure = args.allow_insecure_http or bool(existing and existing.allow_insecure_http)
    # Refused before the password is even asked for.
    warning = profiles.check_api_url(api_url, allow_insecure_http=allow_insecure)
    if warning:
        err(warning)
    login = args.login or (existing.login if existing else None)
    if not login:
        if not ask:
            raise UsageError("--login is required")
        login = input("Login: ").strip()
    titles = list(args.titles) or (list(existing.titles) if existing else [])
    if not titles and ask:
        answer = _ask("Titles (registered sender names, comma separated; the first is the default)", "")
        titles = [t.strip() for t in answer.split(",") if t.strip()]
    if args.password_stdin:
        password = profiles.Secret(sys.stdin.readline().rstrip("\r\n"))
    elif sys.stdin.isatty():
        password = profiles.Secret(getpass.getpass(f"Password for {login}: "))
    else:
        raise UsageError("no terminal to ask the password: use --password-stdin")
    if not password:
        raise UsageError("the password is empty")
    import asyncio  # here: `locate` and `count` run without an event loop

    saved = asyncio.run(profiles.save_profile(name, login, password, api_url, titles, verify=not args.no_verify,
                                              settings=settings, allow_insecure_http=allow_insecure))
    if saved.units is not None:
        err(f"login ok: {plural(saved.units, 'unit')} remaining")
    err(f"profile {name!r} saved ({profiles.locations()['settings']})")
    return EXIT_OK


def _ask(question: str, default: str) -> str:
    shown = f" [{default}]" if default else ""
    return input(f"{question}{shown}: ").strip() or default


async def cmd_units(args) -> int:
    s = open_cli_session(args)
    try:
        units = await s.service.units()
    finally:
        await s.aclose()
    low = args.min is not None and units.units < args.min
    if args.json:
        out_json({"units": units.units} | ({"min": args.min, "below_min": low} if args.min is not None else {}))
    else:
        out(plural(units.units, "unit"))
    if low:
        # for cron: the balance itself is on stdout, the reason on stderr
        err(f"balance {plural(units.units, 'unit')} is below --min {args.min:,}")
        return EXIT_LOW_BALANCE
    return EXIT_OK


def cmd_simulator(args) -> int:
    from ..simulator import serve_forever

    serve_forever(args.host, args.port, args.seed, state_path=args.state,
                  report_delay=args.report_delay, delivery_time=args.delivery_time)
    return EXIT_OK


def cmd_locate(args) -> int:
    for what, where in profiles.locations().items():
        out(f"{what + ':':<12} {where}")
    return EXIT_OK


def cmd_count(args) -> int:
    from ..api.rules import smstext

    text = smstext.transliterate(args.text) if args.transliterate else args.text
    info = smstext.analyze(text)
    tr = None
    if not args.transliterate and not info.is_gsm7:
        t = smstext.transliterate(args.text)
        if t != args.text:
            tr = smstext.analyze(t)
    if args.json:
        doc = {
            "characters": info.characters, "encoding": info.encoding, "segments": info.segments,
            "length": info.length, "ucs2_chars": [c for _, c in info.ucs2_chars],
        }
        if args.transliterate:
            doc["text"] = text
        if tr is not None:
            doc["transliterated"] = {"encoding": tr.encoding, "segments": tr.segments,
                                     "characters": tr.characters}
        out_json(doc)
        return EXIT_OK
    if args.transliterate:
        out(f"transliterated: {text}")
    out(f"{info.characters} characters, {info.encoding}, {plural(info.segments, 'segment')}, "
          f"{info.remaining} left in the last")
    if info.ucs2_chars:
        chars = " ".join(f"{c!r}@{i + 1}" for i, c in info.ucs2_chars[:20])
        more = f" (and {len(info.ucs2_chars) - 20} more)" if len(info.ucs2_chars) > 20 else ""
        out(f"forcing UCS-2: {chars}{more}")
    if tr is not None:
        out(f"transliterated (--transliterate): {tr.characters} characters, {tr.encoding}, "
              f"{plural(tr.segments, 'segment')}")
    return EXIT_OK


# ------------------------------------------------------ groups, templates, opt-outs
