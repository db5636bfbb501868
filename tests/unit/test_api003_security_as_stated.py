"""API003 weighs what a spec says about authentication besides `security` (checks/api/_auth.py):
wording, gateway extensions, the catalog; it tells "unsecured" from "security not declared"."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from machaudit_checks.api import _auth
from tests.conftest import run_cli


@pytest.mark.parametrize("text, found", [
    ("Uses same-origin session authentication via the session cookie.", "same-origin session authentication"),
    ("Send your API key in the X-API-Key header.", "API key"),
    ("Requires a Bearer token.", "Bearer"),
    ("Retrieve the logged-in customer.", "logged-in customer"),
    ("No API key required: this endpoint is open.", ""),  # the opposite, not evidence of auth
    ("No API key or authentication required — the token itself grants access.", ""),  # Spree digitals
    ("Lists the product's variants.", ""),
])
def test_auth_phrase(text, found):
    assert _auth.auth_phrase(text) == found


@pytest.mark.parametrize("text, receiver", [
    ("You must implement this endpoint on your server; the platform calls it at checkout.", True),
    ("Adyen sends a request to this endpoint when a payment is authorised.", True),
    ("Sends a test webhook to your server and returns the result.", False),  # a management operation
    ("Create a webhook subscription.", False),
])
def test_receiver_wording(text, receiver):
    assert bool(_auth.phrase(_auth.RECEIVER_WORDS, text)) is receiver


def test_gateway_auth_extension():
    assert _auth.gateway_auth({"x-amazon-apigateway-auth": {"type": "AWS_IAM"}}) == \
        ("secured", "x-amazon-apigateway-auth: AWS_IAM")
    assert _auth.gateway_auth({"x-amazon-apigateway-auth": {"type": "NONE"}})[0] == "open"
    assert _auth.gateway_auth({}) == ("", "")


SPEC = """\
openapi: 3.0.3
info: {title: Stock, version: 1.0.0}
paths:
  /stock/{sku}:
    get:
      operationId: getStock
      summary: Stock level
      description: Public endpoint, no authentication required.
      parameters: [{name: sku, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: the level}}
  /stock/{sku}/reservations:
    get:
      operationId: listReservations
      summary: Who reserved the stock
      description: Public endpoint, no authentication required.
      parameters: [{name: sku, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: reservations
          content:
            application/json:
              schema:
                type: array
                items: {type: object, properties: {email: {type: string, format: email}}}
"""


def test_an_operation_public_by_its_own_words_is_exempt_unless_it_returns_personal_data(tmp_path: Path):
    (tmp_path / "stock.yaml").write_text(textwrap.dedent(SPEC), encoding="utf-8")
    run = run_cli("audit", str(tmp_path), "--select", "API003", "-f", "json", "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    findings = [(f["subject"].split()[-1], f["severity"], f["evidence"]["verdict"])
                for f in run.report["findings"] if f["check"] == "API003"]
    assert findings == [("/stock/{sku}/reservations", "critical", "unsecured")]
    exempt = [r for r in run.report["results"] if r["check"] == "API003" and r["subject"].endswith("GET /stock/{sku}")]
    assert [r["state"] for r in exempt] == ["not-applicable"]
