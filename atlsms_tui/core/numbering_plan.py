"""Azerbaijan's numbering plan, compiled once from Google's metadata (the
``phonenumbers`` package, region ``AZ``) into patterns applied directly to
the 9 national digits: ``phonenumbers.parse`` costs tens of microseconds per
call, too slow for a million-number paste. The test suite checks these
patterns against ``phonenumbers`` itself."""

from __future__ import annotations

import re

from phonenumbers import PhoneMetadata, PhoneNumberDesc

__all__ = [
    "COUNTRY_CODE",
    "EARLIER",
    "FIXED",
    "GENERAL",
    "MOBILE",
    "MOBILE_OK",
    "NATIONAL_LENGTH",
    "REGION",
    "is_mobile_national",
    "national_pattern",
]

COUNTRY_CODE = "994"
REGION = "AZ"



def _region_metadata(region: str) -> PhoneMetadata:
    meta = PhoneMetadata.metadata_for_region(region)
    if meta is None:  # a phonenumbers build without the region: no number could be checked
        raise RuntimeError(f"phonenumbers has no numbering plan for {region}")
    return meta


_META = _region_metadata(REGION)


def _pattern(desc: PhoneNumberDesc | None) -> re.Pattern[str] | None:
    if desc is None or not desc.national_number_pattern:
        return None
    return re.compile(desc.national_number_pattern)


GENERAL = _pattern(_META.general_desc)
MOBILE = _pattern(_META.mobile)
FIXED = _pattern(_META.fixed_line)
# phonenumbers classifies these before it looks at fixed line / mobile.
EARLIER = tuple(
    p
    for p in (
        _pattern(getattr(_META, name, None))
        for name in (
            "premium_rate",
            "toll_free",
            "shared_cost",
            "voip",
            "personal_number",
            "pager",
            "uan",
            "voicemail",
        )
    )
    if p is not None
)
NATIONAL_LENGTH = 9


def _combined() -> re.Pattern[str] | None:
    if GENERAL is None or MOBILE is None:
        return None
    parts = [f"(?=(?:{GENERAL.pattern})$)"]
    parts += [f"(?!(?:{p.pattern})$)" for p in EARLIER]
    parts.append(f"(?:{MOBILE.pattern})")
    return re.compile("".join(parts))


def national_pattern(tail: str = "$") -> str:
    """Regex source matching the 9 national digits of a number that can
    receive SMS (as :func:`is_mobile_national`), when what follows them
    matches ``tail``; for embedding in a larger pattern."""
    if GENERAL is None or MOBILE is None:
        return "(?!)"
    parts = [f"(?=[0-9]{{{NATIONAL_LENGTH}}}{tail})", f"(?=(?:{GENERAL.pattern}){tail})"]
    parts += [f"(?!(?:{p.pattern}){tail})" for p in EARLIER]
    parts.append(f"(?:{MOBILE.pattern})(?={tail})")
    return "".join(parts)


# One pattern doing what phonenumbers.number_type does for MOBILE /
# FIXED_LINE_ORMOBILE: matches the general pattern, none of the types
# phonenumbers tests first (premium rate, toll free, ...), and the mobile one.
MOBILE_OK = _combined()


def is_mobile_national(national: str) -> bool:
    """True if the 9 national digits form a number that can receive SMS.

    Mirrors ``phonenumbers.number_type`` in (MOBILE, FIXED_LINE_ORMOBILE).
    """
    if len(national) != NATIONAL_LENGTH or MOBILE_OK is None:
        return False
    return MOBILE_OK.fullmatch(national) is not None
