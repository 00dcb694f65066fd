from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atlsms_tui.core.smstext import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    TextInfo,
    analyze,
    is_gsm7,
    segments,
    transliterate,
)

AZ_LOWER = "abcçdeəfgğhxıijkqlmnoöprsştuüvyz"
AZ_UPPER = "ABCÇDEƏFGĞHXIİJKQLMNOÖPRSŞTUÜVYZ"
EXT = sorted(GSM7_EXTENSION)


# ---------------------------------------------------------------- alphabet


def test_alphabet_sizes_and_members():
    assert len(GSM7_BASIC) == 127  # 128 positions minus the escape
    assert GSM7_EXTENSION == frozenset("\f^{}\\[]~|€")
    assert not GSM7_BASIC & GSM7_EXTENSION
    for ch in "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ ¤¡ÄÖÑÜ§¿äöñüà":
        assert ch in GSM7_BASIC, ch
    for ch in "\x1b`ç\t" "əƏğĞıİşŞ" "“”–…\u00a0":
        assert ch not in GSM7_BASIC | GSM7_EXTENSION, repr(ch)


def test_azerbaijani_letters():
    for ch in "öÖüÜÇ":
        assert is_gsm7(ch), ch
    for ch in "əƏğĞıİşŞç":
        assert not is_gsm7(ch), ch


# ---------------------------------------------------------------- GSM-7 boundaries


@pytest.mark.parametrize(
    "n, segs",
    [(0, 0), (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm7_plain_boundaries(n, segs):
    text = "a" * n
    info = analyze(text)
    assert info.segments == segs == segments(text)
    assert info.encoding == "GSM-7"
    assert info.length == n
    assert info.characters == n


def test_gsm7_per_segment_and_remaining():
    assert analyze("").per_segment == 160 and analyze("").remaining == 160
    info = analyze("a" * 10)
    assert (info.per_segment, info.remaining) == (160, 150)
    info = analyze("a" * 160)
    assert (info.per_segment, info.remaining) == (160, 0)
    info = analyze("a" * 161)
    assert (info.per_segment, info.remaining) == (153, 153 - 8)
    info = analyze("a" * 306)
    assert (info.segments, info.remaining) == (2, 0)


@pytest.mark.parametrize("ch", EXT)
def test_extension_chars_count_two(ch):
    info = analyze(ch)
    assert info.length == 2 and info.characters == 1 and info.encoding == "GSM-7"
    # 158 + 2 = 160 fits one segment; 159 + 2 = 161 does not.
    assert segments("a" * 158 + ch) == 1
    assert segments("a" * 159 + ch) == 2
    assert analyze("a" * 159 + ch).length == 161


def test_escape_pair_not_split_across_parts():
    # 152 plain septets, then an escape pair: 154 > 153 so the pair moves on.
    text = "a" * 152 + "€" + "a" * 100
    info = analyze(text)
    assert info.length == 254
    assert info.segments == 2
    # part 1: 152 septets (one wasted), part 2: 2 + 100 = 102
    assert info.remaining == 153 - 102
    # A message of 306 septets made of 153 escape pairs needs 3 parts:
    # 76 pairs (152) per part, the last part has one pair.
    text = "€" * 153
    assert analyze(text).length == 306
    assert segments(text) == 3
    # A message of exactly 2x153 plain septets where an escape pair would
    # straddle the boundary: 152 'a' + '[' + 152 'a' = 306 septets.
    text = "a" * 152 + "[" + "a" * 152
    assert analyze(text).length == 306
    assert segments(text) == 3
    # Pair ending exactly at the boundary is fine.
    text = "a" * 151 + "[" + "a" * 153
    assert segments(text) == 2


def test_all_extension_single_segment_limit():
    assert segments("{" * 80) == 1
    assert segments("{" * 81) == 2


# ---------------------------------------------------------------- UCS-2


@pytest.mark.parametrize(
    "n, segs",
    [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)],
)
def test_ucs2_boundaries(n, segs):
    text = "ə" * n
    info = analyze(text)
    assert info.encoding == "UCS-2"
    assert info.segments == segs == segments(text)
    assert info.length == n


def test_ucs2_per_segment_and_remaining():
    info = analyze("ş" * 70)
    assert (info.per_segment, info.remaining) == (70, 0)
    info = analyze("ş" * 71)
    assert (info.per_segment, info.remaining) == (67, 67 - 4)


def test_one_non_gsm_char_switches_whole_message():
    text = "a" * 100 + "ə"
    info = analyze(text)
    assert info.encoding == "UCS-2"
    assert info.segments == 2
    assert info.ucs2_chars == ((100, "ə"),)


def test_extension_chars_count_once_in_ucs2():
    info = analyze("ə€")
    assert info.encoding == "UCS-2" and info.length == 2


def test_emoji_counts_two_units():
    info = analyze("😀")
    assert info.characters == 1 and info.length == 2 and info.encoding == "UCS-2"
    assert segments("😀" * 35) == 1
    assert segments("a" * 69 + "😀") == 2
    assert segments("a" * 68 + "😀") == 1


def test_surrogate_pair_not_split_across_parts():
    # 66 units, then an emoji (2 units) would straddle 67: it moves on.
    text = "ə" * 66 + "😀" + "ə" * 66
    info = analyze(text)
    assert info.length == 134
    assert info.segments == 3
    text = "ə" * 65 + "😀" + "ə" * 67
    assert analyze(text).length == 134
    assert segments(text) == 2


def test_ucs2_chars_lists_every_offender_in_order():
    text = "Əziz müştəri “x”"
    info = analyze(text)
    assert info.ucs2_chars == (
        (0, "Ə"),
        (7, "ş"),
        (9, "ə"),
        (13, "“"),
        (15, "”"),
    )
    assert info.characters == len(text)


def test_azerbaijani_sentence():
    text = "Hörmətli müştəri, sifarişiniz hazırdır. Çox sağ olun!"
    info = analyze(text)
    assert info.encoding == "UCS-2"
    assert info.segments == 1
    assert {c for _, c in info.ucs2_chars} == {"ə", "ş", "ı", "ğ"}
    gsm = transliterate(text)
    assert gsm == "Hörmetli müsteri, sifarisiniz hazirdir. Çox sag olun!"
    assert is_gsm7(gsm) and analyze(gsm).encoding == "GSM-7"


def test_textinfo_is_frozen():
    info = analyze("x")
    assert isinstance(info, TextInfo)
    with pytest.raises(AttributeError):  # dataclasses.FrozenInstanceError is one
        info.segments = 3  # type: ignore[misc]


# ---------------------------------------------------------------- transliterate


def test_transliterate_table():
    assert transliterate("əƏğĞıİşŞçÇ") == "eEgGiIsScÇ"
    assert transliterate("‘a’ ‚b‛ “c” „d“") == "'a' 'b' \"c\" \"d\""
    assert transliterate("a–b—c‒d−e") == "a-b-c-d-e"
    assert transliterate("wait…") == "wait..."
    assert transliterate("a\u00a0b\u202fc\u2009d") == "a b c d"
    assert transliterate("«salam»") == '"salam"'
    assert transliterate("soft\u00adhyphen\u200b") == "softhyphen"


def test_transliterate_keeps_gsm_and_unmappable():
    text = "Ölçü ÜÇ {}[]~€ @£$"
    assert transliterate("Ölçü ÜÇ") == "Ölcü ÜÇ"
    assert transliterate("{}[]~€ @£$") == "{}[]~€ @£$"
    assert transliterate("Привет 😀") == "Привет 😀"
    assert is_gsm7(transliterate(text))


def test_transliterate_strips_accents_when_bare_letter_is_gsm():
    assert transliterate("áíóú") == "aiou"
    assert transliterate("é") == "é"  # already GSM-7


# ---------------------------------------------------------------- fast path


def test_segments_fast_path_agrees():
    samples = [
        "Hello",
        "a" * 500,
        "x`y",  # backtick is not GSM-7
        "tab\there",
        "Your code: {1234}",
        "^" * 200,
        "ə",
        "",
        "ü" * 161,
    ]
    for s in samples:
        assert segments(s) == analyze(s).segments, s




# ---------------------------------------------------------------- properties

az_text = st.text(alphabet=AZ_LOWER + AZ_UPPER + " .,!?-0123456789\n", max_size=400)
sms_text = st.text(
    alphabet=st.sampled_from(
        list("abcXYZ 09.,\n") + EXT + list("əşğıİçÇöü“”–…😀€\u00a0")
    ),
    max_size=400,
)


@settings(max_examples=150, deadline=None)
@given(az_text)
def test_transliterated_azerbaijani_is_gsm7(text):
    out = transliterate(text)
    assert is_gsm7(out)
    assert len(out) == len(text)  # letter for letter


@settings(max_examples=200, deadline=None)
@given(sms_text)
def test_analyze_and_segments_agree(text):
    info = analyze(text)
    assert info.segments == segments(text)
    assert info.characters == len(text)
    assert (info.encoding == "GSM-7") == is_gsm7(text)
    assert 0 <= info.remaining <= info.per_segment
    if not text:
        assert info.segments == 0
    elif info.segments == 1:
        assert info.length + info.remaining == info.per_segment
    else:
        # at least the capacity of (segments - 1) full parts minus waste
        assert info.length > (info.segments - 1) * info.per_segment - (info.segments - 1)
        assert info.length <= info.segments * info.per_segment
    if info.encoding == "UCS-2":
        assert info.length == len(text.encode("utf-16-le")) // 2
        assert [c for _, c in info.ucs2_chars] == [c for c in text if not is_gsm7(c)]
        assert all(text[i] == c for i, c in info.ucs2_chars)
    else:
        assert info.ucs2_chars == ()
        assert info.length == len(text) + sum(c in GSM7_EXTENSION for c in text)


@settings(max_examples=150, deadline=None)
@given(sms_text, st.sampled_from(["a", "€", "ə", "😀", "{"]))
def test_appending_never_reduces_segments_within_encoding(text, extra):
    before, after = analyze(text), analyze(text + extra)
    if before.encoding == after.encoding:
        assert after.segments >= before.segments
        assert after.segments <= before.segments + 1
    else:
        # switching to UCS-2 can only cost more
        assert after.segments >= before.segments


@settings(max_examples=100, deadline=None)
@given(az_text)
def test_transliterate_never_costs_more(text):
    assert segments(transliterate(text)) <= segments(text)


def test_batch_segments_agrees_with_segments():
    from atlsms_tui.core.smstext import batch_segments, is_gsm7, segments

    samples = ["", "a" * 161, "ə" * 71, "x{" * 80, "😀" * 40, "Salam", "Hörmətli " * 9, "€" * 81]
    for batch in (samples, samples[1:2] * 5000, samples[2:3] * 5000, [s for s in samples if s.isascii()]):
        total, longest, g, u = batch_segments(batch)
        segs = [segments(t) for t in batch]
        assert total == sum(segs) and longest == max(segs)
        assert g == any(t and is_gsm7(t) for t in batch)
        assert u == any(not is_gsm7(t) for t in batch)


def test_batch_segments_short_mixed_batch():
    from atlsms_tui.core.smstext import batch_segments

    assert batch_segments(["Salam", "Salam ə", "ş"]) == (3, 1, True, True)
    assert batch_segments(["ə" * 70, "ş"]) == (2, 1, False, True)
    assert batch_segments(["Hörmətli"] * 3 + ["ok"]) == (4, 1, True, True)


# Messages as campaigns hold them: in one UTF-8 buffer, each ending in NUL.
buffer_text = st.text(alphabet=st.one_of(
    st.sampled_from(list("aZ09 ,.\n\t`") + EXT + list("əƏöÖüÜşŞçÇğĞıİ“”—…\u00a0€😀Жé\u0301")),
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")), max_size=330)


@settings(max_examples=200, deadline=None)
@given(st.lists(buffer_text, min_size=1, max_size=12), st.booleans())
def test_buffer_counts_agree_with_each_message_alone(texts, translit):
    from itertools import accumulate

    from atlsms_tui.core.smsbuffer import buffer_segments
    from atlsms_tui.core.smstext import transliterate

    encoded = [t.encode("utf-8") for t in texts]
    blob = b"lead" + b"".join(e + b"\x00" for e in encoded)
    ends = [4 + e for e in accumulate(len(e) + 1 for e in encoded)]
    segs, flags, changed = buffer_segments(blob, ends, 4, transliterate if translit else None)
    sent = [transliterate(t) for t in texts] if translit else texts
    assert list(segs) == [segments(t) for t in sent]
    assert list(flags) == [0 if is_gsm7(t) else 1 for t in sent]
    assert changed == (sent != texts)


@settings(max_examples=100, deadline=None)
@given(st.lists(buffer_text, min_size=1, max_size=12), st.integers(0, 11), st.integers(0, 12))
def test_packed_messages_carry_their_batch_figures(texts, a, b):
    from atlsms_tui.core.models import Recipient
    from atlsms_tui.core.packed import PackedRecipients
    from atlsms_tui.core.smstext import batch_segments, transliterate

    def figures(batch):
        segs = [segments(t) for t in batch]
        return (sum(segs), max(segs, default=0), any(t and is_gsm7(t) for t in batch),
                any(not is_gsm7(t) for t in batch))

    packed = PackedRecipients([Recipient(f"99450{i:07d}", t) for i, t in enumerate(texts)])
    view = packed[a:b]
    plain = texts[a:b]
    assert batch_segments(view.messages(0, len(view))) == figures(plain)
    if plain:
        tr = [transliterate(t) for t in plain]
        assert view.transformed_stats(transliterate) == (*figures(tr), tr != plain)


@settings(max_examples=200, deadline=None)
@given(st.lists(buffer_text, min_size=1, max_size=12), st.booleans())
def test_shapes_give_the_figures_of_the_messages(texts, translit):
    """The whole list's figures from its messages' shapes (byte length and
    reduction) are those of the messages counted one by one, written or
    transliterated; a shape whose count depends on where its two-unit
    characters fall says so (None) rather than guess."""
    from itertools import accumulate

    from atlsms_tui.core.smsbuffer import buffer_segments, shape_segments
    from atlsms_tui.core.smstext import transliterate

    encoded = [t.encode("utf-8") for t in texts]
    blob = b"".join(e + b"\x00" for e in encoded)
    ends = list(accumulate(len(e) + 1 for e in encoded))
    shapes: dict = {}
    buffer_segments(blob, ends, 0, None, shapes)
    assert sum(shapes.values()) == len(texts)
    transform = transliterate if translit else None
    figures = shape_segments(shapes, transform)
    sent = [transliterate(t) for t in texts] if translit else texts
    if figures is None:
        assert any(smstext_wide_multi(t) for t in sent)
        return
    total, longest, gsm, ucs2, changed = figures
    counts = [segments(t) for t in sent]
    assert total == sum(counts) and longest == max(counts)
    assert ucs2 == sum(1 for t in sent if not is_gsm7(t))
    assert gsm == sum(1 for t, n in zip(sent, counts, strict=True) if is_gsm7(t) and n)
    assert changed == (sent != texts)


def smstext_wide_multi(text: str) -> bool:
    """Over one part and holding a two-unit character (a GSM-7 extension
    one, or an astral one in UCS-2): where it falls decides the parts."""
    from atlsms_tui.core.smstext import GSM7_EXTENSION, GSM7_SINGLE, UCS2_SINGLE

    if is_gsm7(text):
        wide = sum(text.count(c) for c in GSM7_EXTENSION)
        return wide > 0 and len(text) + wide > GSM7_SINGLE
    astral = sum(1 for c in text if ord(c) > 0xFFFF)
    return astral > 0 and len(text) + astral > UCS2_SINGLE
