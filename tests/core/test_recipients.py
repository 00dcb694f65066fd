from __future__ import annotations

import pytest

from atlsms_tui.core.errors import InputError
from atlsms_tui.core.models import Recipient
from atlsms_tui.core.recipients import (
    RecipientIssue,
    RecipientList,
    parse_individual_text,
    read_individual_csv,
    read_numbers_file,
)


def write(tmp_path, name: str, data: str | bytes):
    p = tmp_path / name
    if isinstance(data, str):
        data = data.encode("utf-8")
    p.write_bytes(data)
    return p


# ---------------------------------------------------------------- numbers files


def test_numbers_file_one_per_line(tmp_path):
    p = write(tmp_path, "n.txt", "0501234567\n+994 55 123 45 67\n\n994701234567\n")
    r = read_numbers_file(p)
    assert isinstance(r, RecipientList)
    assert r.recipients == [
        Recipient("994501234567"),
        Recipient("994551234567"),
        Recipient("994701234567"),
    ]
    assert all(x.message is None for x in r.recipients)
    assert r.rows == 3 and not r.invalid and not r.duplicates


@pytest.mark.parametrize("sep", [",", ";", ", ", "\t"])
def test_numbers_file_separated(tmp_path, sep):
    p = write(tmp_path, "n.csv", sep.join(["0501234567", "0551234567", "0701234567"]) + "\r\n")
    r = read_numbers_file(str(p))
    assert [x.msisdn for x in r.recipients] == ["994501234567", "994551234567", "994701234567"]


def test_numbers_file_with_bom(tmp_path):
    p = write(tmp_path, "n.txt", b"\xef\xbb\xbf0501234567\n0551234567\n")
    r = read_numbers_file(p)
    assert [x.msisdn for x in r.recipients] == ["994501234567", "994551234567"]
    assert not r.invalid


def test_numbers_file_invalid_and_duplicates(tmp_path):
    p = write(tmp_path, "n.txt", "0501234567\nabc\n0501234567\n0121234567\n05012")
    r = read_numbers_file(p)
    assert [x.msisdn for x in r.recipients] == ["994501234567"]
    assert r.duplicates == [RecipientIssue(3, 1, "0501234567", "duplicate of line 1")]
    assert r.invalid == [
        RecipientIssue(2, 1, "abc", "contains letters"),
        RecipientIssue(4, 1, "0121234567", "landline number, cannot receive SMS"),
        RecipientIssue(5, 1, "05012", "too few digits"),
    ]
    assert r.rows == 5


def test_numbers_file_missing(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(InputError) as ei:
        read_numbers_file(missing)
    assert str(missing) in str(ei.value)
    assert "not found" in str(ei.value)


def test_numbers_file_is_directory(tmp_path):
    with pytest.raises(InputError) as ei:
        read_numbers_file(tmp_path)
    assert str(tmp_path) in str(ei.value)


def test_numbers_file_undecodable_names_line(tmp_path):
    p = write(tmp_path, "n.txt", b"0501234567\n0551234567\n05\xe91234567\n")
    with pytest.raises(InputError) as ei:
        read_numbers_file(p)
    msg = str(ei.value)
    assert "line 3" in msg and "column 3" in msg and "UTF-8" in msg and str(p) in msg


def test_numbers_file_undecodable_first_line_after_bom(tmp_path):
    p = write(tmp_path, "n.txt", b"\xef\xbb\xbf\xff0501234567\n")
    with pytest.raises(InputError) as ei:
        read_numbers_file(p)
    assert "line 1, column 1" in str(ei.value)


# ---------------------------------------------------------------- individual CSV


def test_individual_csv_basic(tmp_path):
    p = write(
        tmp_path,
        "i.csv",
        "msisdn,message\n0501234567,Salam Əli\n+994 55 123 45 67,Hello\n",
    )
    r = read_individual_csv(p)
    assert r.recipients == [
        Recipient("994501234567", "Salam Əli"),
        Recipient("994551234567", "Hello"),
    ]
    assert r.rows == 2 and not r.invalid and not r.duplicates


def test_individual_header_case_and_order_and_extra_columns():
    text = "Name,MESSAGE, Msisdn \nAli,Hi Ali,0501234567\nVeli,Hi Veli,0551234567\n"
    r = parse_individual_text(text)
    assert r.recipients == [
        Recipient("994501234567", "Hi Ali"),
        Recipient("994551234567", "Hi Veli"),
    ]


def test_individual_semicolon_delimiter():
    text = "msisdn;message\r\n0501234567;Salam, dostum\r\n0551234567;\"a;b\"\r\n"
    r = parse_individual_text(text)
    assert r.recipients == [
        Recipient("994501234567", "Salam, dostum"),
        Recipient("994551234567", "a;b"),
    ]


def test_individual_quoted_commas_quotes_and_newlines():
    text = (
        "msisdn,message\n"
        '0501234567,"Hello, world"\n'
        '0551234567,"line one\nline two\nline three"\n'
        '0701234567,"He said ""hi"""\n'
        "0771234567,bad\x01\n"
    )
    r = parse_individual_text(text)
    assert r.recipients == [
        Recipient("994501234567", "Hello, world"),
        Recipient("994551234567", "line one\nline two\nline three"),
        Recipient("994701234567", 'He said "hi"'),
    ]
    # the record after the 3-line message starts on file line 6, the next on 7
    assert r.invalid[0].line == 7
    assert r.rows == 4


def test_individual_crlf_line_numbers():
    text = "msisdn,message\r\n0501234567,a\r\n0501234567,b\r\n"
    r = parse_individual_text(text)
    assert r.duplicates == [RecipientIssue(3, None, "0501234567", "duplicate of line 2")]


def test_individual_with_bom(tmp_path):
    p = write(tmp_path, "i.csv", b"\xef\xbb\xbfmsisdn,message\n0501234567,x\n")
    r = read_individual_csv(p)
    assert r.recipients == [Recipient("994501234567", "x")]


def test_individual_bom_in_text():
    r = parse_individual_text("\ufeffMSISDN;Message\n0501234567;x\n")
    assert r.recipients == [Recipient("994501234567", "x")]


def test_individual_invalid_rows_every_reason():
    text = (
        "msisdn,message\n"  # 1
        "0501234567,ok\n"  # 2
        "abc,hello\n"  # 3
        "05012,hello\n"  # 4
        "0551234567,\n"  # 5
        "0551234567,   \n"  # 6
        ",no number\n"  # 7
        "0701234567\n"  # 8
        "0771234567,ab\x0bcd\n"  # 9
        "0991234567,x\x1f\n"  # 10
        "0121234567,landline\n"  # 11
        "0501234567,again\n"  # 12
        "+994 50 123 45 67,and again\n"  # 13
        "0551234567,fine now\n"  # 14
    )
    r = parse_individual_text(text)
    assert r.recipients == [
        Recipient("994501234567", "ok"),
        Recipient("994551234567", "fine now"),
    ]
    reasons = [(i.line, i.column, i.reason) for i in r.invalid]
    assert reasons == [
        (3, None, "contains letters"),
        (4, None, "too few digits"),
        (5, None, "empty message"),
        (6, None, "empty message"),
        (7, None, "missing number"),
        (8, None, "missing message"),
        (9, 3, "message contains U+000B at character 3, which XML cannot carry"),
        (10, 2, "message contains U+001F at character 2, which XML cannot carry"),
        (11, None, "landline number, cannot receive SMS"),
    ]
    assert r.invalid[6].raw == "ab\x0bcd"
    assert [(d.line, d.raw, d.reason) for d in r.duplicates] == [
        (12, "0501234567", "duplicate of line 2"),
        (13, "+994 50 123 45 67", "duplicate of line 2"),
    ]
    assert r.rows == 13


def test_individual_illegal_char_column_in_multiline_message():
    text = 'msisdn,message\n0501234567,"first\nsecond\x00"\n'
    r = parse_individual_text(text)
    assert not r.recipients
    issue = r.invalid[0]
    assert (issue.line, issue.column) == (2, 13)
    assert "U+0000" in issue.reason


def test_individual_lone_surrogate_reported():
    r = parse_individual_text("msisdn,message\n0501234567,a\udcffb\n")
    assert r.invalid[0].column == 2 and "U+DCFF" in r.invalid[0].reason


def test_individual_emoji_and_tabs_are_fine():
    r = parse_individual_text("msisdn,message\n0501234567,Salam 😀\tdost\n")
    assert r.recipients == [Recipient("994501234567", "Salam 😀\tdost")]


def test_individual_blank_lines_skipped_but_counted():
    text = "\nmsisdn,message\n\n0501234567,x\n\n0551234567,y\n"
    r = parse_individual_text(text)
    assert len(r.recipients) == 2 and r.rows == 2
    r2 = parse_individual_text("msisdn,message\n\n0501234567,x\nabc,y\n")
    assert r2.invalid[0].line == 4


def test_individual_missing_message_column():
    with pytest.raises(InputError) as ei:
        parse_individual_text("msisdn,text\n0501234567,hi\n")
    msg = str(ei.value)
    assert "missing column 'message'" in msg and "line 1" in msg


def test_individual_missing_msisdn_column():
    with pytest.raises(InputError) as ei:
        parse_individual_text("phone;message\n0501234567;hi\n")
    assert "missing column 'msisdn'" in str(ei.value)


def test_individual_missing_both_columns_and_no_header():
    with pytest.raises(InputError) as ei:
        parse_individual_text("0501234567,hi\n")
    assert "'msisdn' and 'message'" in str(ei.value)
    with pytest.raises(InputError) as ei:
        parse_individual_text("")
    assert "header" in str(ei.value)


def test_individual_file_error_names_path(tmp_path):
    p = write(tmp_path, "i.csv", "number,message\n")
    with pytest.raises(InputError) as ei:
        read_individual_csv(p)
    assert str(p) in str(ei.value)
    with pytest.raises(InputError) as ei:
        read_individual_csv(tmp_path / "missing.csv")
    assert "missing.csv" in str(ei.value)


def test_individual_undecodable(tmp_path):
    p = write(tmp_path, "i.csv", b"msisdn,message\n0501234567,ok\n0551234567,caf\xe9\n")
    with pytest.raises(InputError) as ei:
        read_individual_csv(p)
    assert "line 3" in str(ei.value)


def test_individual_unclosed_quote_is_an_error_not_a_swallowed_file():
    text = 'msisdn,message\n0501234567,ok\n0551234567,"oops\n0701234567,x\n'
    with pytest.raises(InputError) as ei:
        parse_individual_text(text)
    assert "line 3" in str(ei.value) and "quote" in str(ei.value)


def test_individual_large_file_keeps_every_row_in_order(tmp_path):
    # its speed is benchmarks/bench_import.py's to measure, not a test's
    rows = [f"050{i:07d},Hello customer {i}" for i in range(10000)]
    p = write(tmp_path, "big.csv", "msisdn,message\n" + "\n".join(rows) + "\n")
    r = read_individual_csv(p)
    assert len(r.recipients) == 10000
    assert r.recipients[0].msisdn == "994500000000" and r.recipients[-1].msisdn == "994500009999"
    assert r.recipients[-1].message == "Hello customer 9999"


def test_numbers_file_header_word_skipped(tmp_path):
    p = write(tmp_path, "n.csv", "MSISDN\r\n0501234567\r\nxyz\r\n")
    r = read_numbers_file(p)
    assert [x.msisdn for x in r.recipients] == ["994501234567"]
    assert r.invalid == [RecipientIssue(3, 1, "xyz", "contains letters")]
    assert r.rows == 2


async def test_an_individual_record_split_by_a_comma_is_not_sent_as_its_first_piece(tmp_path):
    # the compose form's reader: "Salam" alone must not go out for a message
    # an unquoted comma cut in pieces; the operator's fix clears the fault
    from atlsms_tui.api.recipients import judge_rows, read_individual

    p = write(tmp_path, "ind.csv", "msisdn,message\n0551234567,Salam, dear customer\n0501234567,Hello\n")
    got = await read_individual(str(p), None, None)
    assert got.rows is not None
    split, fine = got.rows
    assert not split.valid and split.reason == "3 cells where the header has 2 (a delimiter inside an unquoted field?)"
    assert fine.valid and fine.wire == "994501234567"
    split.message, split.fault = "Salam, dear customer", ""
    await judge_rows(got.rows)
    assert split.valid and split.wire == "994551234567"
