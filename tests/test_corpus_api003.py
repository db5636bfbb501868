"""API003 on real specs of the shared corpus: the verdicts below were read from the specs.

- Spree storefront (`docs/api-reference/storefront.yaml`) defines bearerAuth and orderToken and
  applies them to most operations; `POST /api/v2/storefront/account` ("Create an Account") is
  sign-up and `GET /api/v2/storefront/taxons` lists categories: both open on purpose. The v3 store
  API's `GET /api/v3/store/digitals/{token}` says "No API key or authentication required".
- Medusa admin applies api_token/cookie_auth/jwt_token to nearly every operation, not to
  `GET /admin/users` ("List Users", returns e-mail addresses): the contract omits what the server
  enforces, so "not declared", medium for the personal data.
- Adyen: the transfer webhooks apply BasicAuth (a contract you implement that says how the caller
  authenticates); the balance webhooks apply nothing and describe no signature.
- PayPal: `GET /v1/notifications/webhooks-event-types` is the one operation of 16 without the
  Oauth2 the spec applies everywhere else.
None of these folders has an operation that is unsecured by the definition of API003.
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from tests.conftest import CORPUS, run_cli

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")


@lru_cache(maxsize=None)
def api003(folder: str) -> tuple[dict, ...]:
    run = run_cli("audit", str(CORPUS / folder), "--select", "API003", "-f", "json", "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    return tuple(r for r in run.report["results"] if r["check"] == "API003"), tuple(
        f for f in run.report["findings"] if f["check"] == "API003")


def result(folder: str, ending: str) -> dict:
    """The finding, or else the result, whose subject ends so."""
    results, findings = api003(folder)
    found = [f for f in findings if f["subject"].endswith(ending)] or \
        [f for f in findings if any(f"{f['subject']} {op}".endswith(ending) for op in f["evidence"].get("operations", ()))] or \
        [r for r in results if r["subject"].endswith(ending)]  # a finding of several operations names them
    assert len(found) == 1, [r["subject"] for r in found]
    return found[0]


@pytest.mark.parametrize("folder", ["spree", "medusa", "adyen", "paypal"])
def test_no_unsecured_verdict_where_the_specs_say_how_callers_authenticate(folder):
    _, findings = api003(folder)
    assert [f["subject"] for f in findings if f["severity"] in ("critical", "high")] == []
    assert {f["evidence"]["verdict"] for f in findings} <= {"security-not-declared", "implemented-contract"}


def test_spree_sign_up_taxons_and_token_downloads_are_open_on_purpose():
    assert result("spree", "storefront.yaml POST /api/v2/storefront/account")["state"] == "not-applicable"
    assert result("spree", "storefront.yaml GET /api/v2/storefront/taxons")["state"] == "not-applicable"
    # "No API key or authentication required — the token itself grants access."
    assert result("spree", "store.yaml GET /api/v3/store/digitals/{token}")["state"] == "not-applicable"


def test_medusa_admin_users_security_not_declared():
    found = result("medusa", "admin/openapi.yaml GET /admin/users")
    assert found["severity"] == "medium" and found["evidence"]["verdict"] == "security-not-declared"
    assert "the spec defines api_token, cookie_auth, jwt_token, applied to 289 of its 308 operations" in found["message"]


def test_adyen_webhooks_are_judged_as_contracts():
    secured = result("adyen", "BalancePlatformTransferNotification-v4.json webhook balancePlatform.transfer.created POST")
    assert secured["state"] == "pass"
    silent = result("adyen", "BalancePlatformBalanceNotification-v1.json webhook balancePlatform.balanceAccount.balance.updated POST")
    assert silent["severity"] == "low" and silent["evidence"]["verdict"] == "implemented-contract"


def test_paypal_event_types_list_security_not_declared():
    found = result("paypal", "notifications_webhooks_v1.json GET /v1/notifications/webhooks-event-types")
    assert found["severity"] == "low"
    assert found["message"].endswith("the spec defines Oauth2, applied to 15 of its 16 operations")
