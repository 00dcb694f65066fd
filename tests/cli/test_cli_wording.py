"""Counts read as English: one recipient, one unit; never "recipient(s)"."""

from __future__ import annotations

A = "994501234567"


def test_a_one_recipient_send_says_one_recipient_and_one_unit(logged_in):
    p = logged_in("send", "--message", "hi", "--to", A, "--yes")
    assert p.returncode == 0, p.stderr
    assert "1 recipient, one message, GSM-7, 1 segment, about 1 unit of 10,000" in p.stderr
    assert "(s)" not in p.stderr
