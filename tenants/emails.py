"""The one door every email address enters by (issue 11: look-alike identities).

`john@pizzapalace.com` followed by a zero-width space registered a second account: the address
validated, was stored with the invisible character, and the mail went to the real John, because
IDNA encoding (RFC 3491 nameprep, what Django's mail uses) maps such characters to nothing.
So an address is refused when it carries an invisible, format, control or separator character,
and is otherwise stored and looked up in one canonical form: NFKC, case-folded. Full-width
`ｊｏｈｎ@…` therefore *is* `john@…` (a duplicate, or the same login), never a second identity."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from core.errors import ValidationFailed

EMAIL_MAX_LENGTH = 254  # the User.email column

# Cc control, Cf format (zero-width space/joiners, U+2060, BOM, soft hyphen, bidi controls),
# Cn unassigned, Co private use, Cs surrogates, Zl/Zp/Zs separators (spaces inside the address).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp", "Zs"})
# Blank or ignorable characters of other categories (Unicode Default_Ignorable_Code_Point and
# look-alike blanks): combining grapheme joiner, Hangul fillers, Khmer inherent vowels,
# Mongolian variation selectors and todo soft hyphen, variation selectors, braille blank.
_INVISIBLE_RANGES = (
    (0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x1806, 0x1806), (0x180B, 0x180F),
    (0x2800, 0x2800), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xE0100, 0xE01EF),
)
INVALID = "Enter a valid email address."


class InvalidEmail(ValidationFailed, ValueError):
    """A 400 for the services and the API; a ValueError for the User manager's callers."""


def _is_invisible(ch: str) -> bool:
    if unicodedata.category(ch) in _REFUSED_CATEGORIES:
        return True
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _INVISIBLE_RANGES)


def _refuse_invisible(text: str) -> None:
    for ch in text:
        if _is_invisible(ch):
            name = unicodedata.name(ch, "unnamed character")
            raise InvalidEmail(
                f"The address contains an invisible or control character (U+{ord(ch):04X} {name}); "
                "type it again without it."
            )


def _delivered_as_typed(domain: str) -> bool:
    """The domain survives the IDNA round trip mail delivery makes (nothing dropped or mapped)."""
    if domain.isascii():
        return True
    try:
        return domain.encode("idna").decode("idna") == domain
    except UnicodeError:
        return False


def normalize_email(value: object) -> str:
    """The canonical form of an email address typed by someone, or InvalidEmail (a 400
    ValidationFailed whose detail is a message for the field, and a ValueError).

    Surrounding whitespace is stripped; an invisible, format, control or separator character
    anywhere in the address is refused; the rest is NFKC-normalised and case-folded (local part
    included: addresses are case-insensitive throughout the product), then checked as an
    address whose domain reaches, after IDNA encoding, exactly the mailbox it names."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidEmail(INVALID)
    typed = value.strip()
    _refuse_invisible(typed)
    email = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", typed).casefold())
    _refuse_invisible(email)  # a compatibility mapping can produce a space (U+00A8 -> " \u0308")
    if len(email) > EMAIL_MAX_LENGTH:
        raise InvalidEmail(f"At most {EMAIL_MAX_LENGTH} characters.")
    try:
        validate_email(email)
    except DjangoValidationError as e:
        raise InvalidEmail(INVALID) from e
    if not _delivered_as_typed(email.rpartition("@")[2]):
        raise InvalidEmail("This domain name cannot be used for email as typed; check it for look-alike characters.")
    return email
