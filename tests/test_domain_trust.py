"""Which domains Google vouches for: the one rule every domain-trusting setting asks."""

import pytest

from webapp.services.accounts import domain_vouched_for


# Issue 16: a verified e-mail proves the mailbox, not that the domain's Workspace owns the account.
@pytest.mark.parametrize(
    ("email", "hosted_domain", "vouched"),
    [
        ("ada@example.com", "example.com", True),
        ("Ada@Example.COM", "EXAMPLE.com", True),
        ("ada@example.com", None, False),
        ("ada@example.com", "", False),
        ("ada@example.com", "other.example", False),
        ("ada@mail.example.com", "example.com", False),
        ("ada@example.com", "mail.example.com", False),
        ("someone@gmail.com", None, True),
        ("someone@gmail.com.evil.test", None, False),
        ("no-at-sign", "no-at-sign", False),
        ("", "", False),
        ("nobody@", "", False),
    ],
)
def test_a_domain_is_trusted_only_with_googles_say(email, hosted_domain, vouched):
    assert domain_vouched_for(email, hosted_domain) is vouched
