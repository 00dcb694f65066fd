"""Proof sends: what a campaign would send, first sent to staff numbers.

A proof is the bulk text, or the first few rendered mail-merge messages,
each to one of the profile's ``proof_numbers``. It is journalled as its own
submission, marked ``proof`` and filed under the campaign's content key: the
repeat guard ignores it, and the ``require_proof_above`` setting asks for an
accepted one before a large campaign may go.
"""

from __future__ import annotations

import dataclasses

from . import baku, msisdn
from .drafts import Draft
from .errors import InputError
from .models import Recipient
from .outcomes import SubmitResult
from .packed import columns_of
from .service import Service
from .submit import Progress

DEFAULT_MESSAGES = 3


class ProofRequired(InputError):
    """A campaign over require_proof_above recipients without an accepted proof."""


def staff_numbers(service: Service) -> list[str]:
    numbers = service.profile.proof_numbers
    if not numbers:
        raise InputError("no proof numbers: set proof_numbers in the profile's settings "
                         "(or ATLSMS_PROOF_NUMBERS=0501234567,0551234567)")
    out: list[str] = []
    for raw in numbers:
        try:
            out.append(msisdn.normalize(raw))
        except (InputError, ValueError) as exc:
            raise InputError(f"proof number {raw!r} (setting proof_numbers): {exc}") from None
    return out


def proof_draft(service: Service, draft: Draft, messages: int = DEFAULT_MESSAGES) -> Draft:
    """The proof of ``draft``: its bulk text to every staff number, or its
    first ``messages`` personal messages, each to a staff number in turn.
    Sent now, whatever the campaign's schedule."""
    staff = staff_numbers(service)
    if draft.message is not None:
        return Draft(draft.title, [Recipient(n) for n in staff], draft.message)
    if messages < 1:
        raise InputError("a proof needs at least 1 message")
    _numbers, texts = columns_of(draft.recipients, 0, min(messages, len(draft.recipients)))
    texts = texts or []
    return Draft(draft.title, [Recipient(staff[i % len(staff)], t) for i, t in enumerate(texts)], None)


async def send_proof(service: Service, draft: Draft, messages: int = DEFAULT_MESSAGES,
                     progress: Progress | None = None) -> SubmitResult:
    """Journal and send the proof of ``draft`` (quiet hours do not apply:
    it goes to staff). Made from, and filed under the content key of, what
    the campaign would send: its recipients less the opt-out list."""
    kept = service.preview_optouts(draft).kept
    if kept:
        draft = dataclasses.replace(draft, recipients=kept)
    proof = proof_draft(service, draft, messages)
    return await service.submit(proof, progress, proof_of=service.content_key(draft))


def last_proof(service: Service, draft: Draft, key: str | None = None) -> str | None:
    """When (ISO UTC) a proof of exactly this content (``key``: its content
    key, when already computed) was last accepted."""
    return service.store.journal.accepted_proof(key or service.content_key(draft))


def check_required(service: Service, draft: Draft, key: str | None = None) -> None:
    """Refuse a campaign over require_proof_above recipients until a proof
    of its exact text was accepted."""
    above = service.profile.require_proof_above
    if not above or len(draft.recipients) <= above:
        return
    if last_proof(service, draft, key) is None:
        raise ProofRequired(
            f"a campaign over {above:,} recipients (setting require_proof_above) needs an accepted proof "
            "of this exact title and text first: send one with --proof, check it on the staff phones, "
            "then send the campaign")


def describe(service: Service, draft: Draft, key: str | None = None) -> str:
    """For the confirmation: whether a proof of this text was accepted, when."""
    when = last_proof(service, draft, key)
    if when is None:
        return "proof: none sent for this exact text"
    return f"proof: accepted at {baku.format_baku(baku.from_iso(when))} Baku time"
