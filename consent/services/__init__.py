"""Writes on consent, one module per concern; this package exports the public functions.

- ``terms``: terms versions, drafts, publication (freezing), re-consent requests;
- ``chain``: the append-only hash chain, its verification;
- ``signing``: signing an agreement;
- ``withdrawal``: withdrawing consent;
- ``requests``: data-subject requests and account deletion;
- ``access_log``: the police access log.

Snapshot storage and deletion live in ``consent.snapshots``; demo agreements in
``demo.consent``.
"""

from consent.services.access_log import access_log_record, access_log_record_each_owner
from consent.services.chain import (
    GENESIS_HASH,
    ChainReport,
    canonical_json,
    chain_append,
    chain_append_many,
    chain_head_lock,
    chain_verify,
    record_hash,
    record_payload,
)
from consent.services.messaging import messaging_consent_record
from consent.services.requests import (
    ACCOUNT_DELETION_EXPLANATION,
    account_delete,
    data_request_close,
    data_request_create,
)
from consent.services.retention import retention_purge_record
from consent.services.signing import (
    NOT_CURRENT_MESSAGE,
    PNG_MAGIC,
    SIGNATURE_MAX_CHARS,
    SIGNATURE_PREFIX,
    SigningRefused,
    agreement_sign,
    camera_label,
    normalise_ip,
)
from consent.services.terms import (
    DEFAULT_SCOPE_TEXTS,
    DEFAULT_TERMS,
    reconsent_hook,
    reconsent_request_all,
    terms_draft_create,
    terms_freeze,
    terms_publish,
)
from consent.services.withdrawal import WithdrawalRefused, consent_withdraw

__all__ = [
    "ACCOUNT_DELETION_EXPLANATION",
    "DEFAULT_SCOPE_TEXTS",
    "DEFAULT_TERMS",
    "GENESIS_HASH",
    "NOT_CURRENT_MESSAGE",
    "PNG_MAGIC",
    "SIGNATURE_MAX_CHARS",
    "SIGNATURE_PREFIX",
    "ChainReport",
    "SigningRefused",
    "WithdrawalRefused",
    "access_log_record",
    "access_log_record_each_owner",
    "account_delete",
    "agreement_sign",
    "camera_label",
    "canonical_json",
    "chain_append",
    "chain_append_many",
    "chain_head_lock",
    "chain_verify",
    "consent_withdraw",
    "data_request_close",
    "data_request_create",
    "messaging_consent_record",
    "normalise_ip",
    "reconsent_hook",
    "reconsent_request_all",
    "record_hash",
    "record_payload",
    "retention_purge_record",
    "terms_draft_create",
    "terms_freeze",
    "terms_publish",
]
