"""Profile and account commands: login, units; and the local ones: locate, count, simulator."""

from __future__ import annotations

import getpass
import os
import sys

from ..core import paths
from .common import EXIT_OK, UsageError, err, open_cli_session, out, out_json


async def cmd_login(args) -> int:
    from ..core import credentials
    from ..core.endpoint import check_api_url
    from ..core.secret import Secret
    from ..core.settings import DEFAULT_API_URL, Profile, deadlines_of, load_settings

    settings = load_settings()
    name = args.profile or os.environ.get("ATLSMS_PROFILE") or settings.current or "default"
    existing = settings.profiles.get(name)
    api_url = args.api_url or (existing.api_url if existing else DEFAULT_API_URL)
    allow_insecure = getattr(args, "allow_insecure_http", False) or bool(existing and existing.allow_insecure_http)
    tls_legacy = bool(existing and existing.tls_legacy)
    # Refused before the password is even asked for.
    warning = check_api_url(api_url, allow_insecure_http=allow_insecure)
    if warning:
        err(warning)
    login = args.login or (existing.login if existing else None)
    if not login:
        if not sys.stdin.isatty() or args.password_stdin:
            raise UsageError("--login is required")
        login = input("Login: ").strip()
    if args.password_stdin:
        line = sys.stdin.readline()
        password = Secret(line.rstrip("\r\n"))
    elif sys.stdin.isatty():
        password = Secret(getpass.getpass(f"Password for {login}: "))
    else:
        raise UsageError("no terminal to ask the password: use --password-stdin")
    if not password:
        raise UsageError("the password is empty")
    titles = args.titles or (existing.titles if existing else [])
    if not args.no_verify:
        from ..core.client import AtlClient

        client = AtlClient(api_url, login, password, allow_insecure_http=allow_insecure,
                           tls_legacy=tls_legacy, deadlines=deadlines_of(settings.preferences))
        try:
            units = await client.units()
        finally:
            await client.aclose()
        err(f"login ok: {units:,} units remaining")
    profile = Profile(name=name, login=login, api_url=api_url, titles=list(titles),
                      default_title=(titles[0] if titles else (existing.default_title if existing else None)),
                      allow_insecure_http=warning is not None, tls_legacy=tls_legacy)
    settings.profiles[name] = profile
    if settings.current is None:
        settings.current = name
    credentials.store_password(name, password)
    settings.save()
    err(f"profile {name!r} saved ({paths.settings_file()})")
    return EXIT_OK


async def cmd_units(args) -> int:
    s = open_cli_session(args)
    try:
        units = await s.service.units()
    finally:
        await s.aclose()
    if args.json:
        out_json({"units": units.units})
    else:
        out(f"{units.units:,} units")
    return EXIT_OK


def cmd_simulator(args) -> int:
    from ..simulator import serve_forever

    serve_forever(args.host, args.port, args.seed, state_path=args.state,
                  report_delay=args.report_delay, delivery_time=args.delivery_time)
    return EXIT_OK


def cmd_locate(args) -> int:
    out(f"settings:    {paths.settings_file()}")
    out(f"credentials: {paths.credentials_file()}")
    out(f"journal:     {paths.store_file()}")
    out(f"demo data:   {paths.demo_dir()}")
    return EXIT_OK


def cmd_count(args) -> int:
    from ..core import smstext

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
    out(f"{info.characters} characters, {info.encoding}, {info.segments} segment(s), "
          f"{info.remaining} left in the last")
    if info.ucs2_chars:
        chars = " ".join(f"{c!r}@{i + 1}" for i, c in info.ucs2_chars[:20])
        more = f" (and {len(info.ucs2_chars) - 20} more)" if len(info.ucs2_chars) > 20 else ""
        out(f"forcing UCS-2: {chars}{more}")
    if tr is not None:
        out(f"transliterated (--transliterate): {tr.characters} characters, {tr.encoding}, "
              f"{tr.segments} segment(s)")
    return EXIT_OK


# ------------------------------------------------------ groups, templates, opt-outs
