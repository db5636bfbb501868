"""The one vocabulary of commerce capabilities: which words name which entity, action and audience.

English and German (with ae/oe/ue spellings). Words are matched against singular lower-case
tokens (see `evidence.singular`); two-word terms (`gift card`, `store credit`) are matched before
single words, so `credit card` is a payment instrument and not a credit line. A word listed here
is the whole token, never a substring: `recorder` is not an order and `discounted` not a discount.
"""

from __future__ import annotations

import re

# -- entities -------------------------------------------------------------------------------------

ENTITIES = (
    "product", "category", "price", "stock", "cart", "order", "quote", "payment", "invoice", "credit",
    "shipment", "return", "ticket", "voucher", "customer", "review", "subscription", "webhook",
    "dispute", "wishlist",
)

# Two-word terms first: they decide before the words they are made of.
ENTITY_TERMS: dict[tuple[str, str], str] = {
    ("gift", "card"): "voucher", ("giftcard", "batch"): "voucher", ("discount", "code"): "voucher",
    ("coupon", "code"): "voucher", ("promo", "code"): "voucher", ("promotion", "code"): "voucher",
    ("stored", "value"): "voucher",
    # Store credit is a balance the customer spends like a gift card; `credit` is a B2B credit line.
    ("store", "credit"): "voucher", ("credit", "line"): "credit", ("credit", "limit"): "credit",
    ("credit", "status"): "credit", ("credit", "check"): "credit",
    ("credit", "card"): "payment", ("credit", "note"): "invoice", ("payment", "method"): "payment",
    ("payment", "token"): "payment", ("setup", "token"): "payment", ("payment", "link"): "payment",
    ("payment", "session"): "payment", ("payment", "collection"): "payment", ("payment", "provider"): "payment",
    ("shipping", "option"): "shipment", ("shipping", "method"): "shipment", ("delivery", "method"): "shipment",
    ("shipping", "profile"): "shipment", ("delivery", "rate"): "shipment", ("shipping", "rate"): "shipment",
    ("delivery", "profile"): "shipment", ("shipping", "price"): "shipment", ("shipping", "zone"): "shipment",
    ("price", "list"): "price", ("price", "preference"): "price",
    ("payment", "auth"): "payment", ("payment", "instrument"): "payment", ("payment", "intent"): "payment", ("inventory", "item"): "stock", ("stock", "location"): "",  # a warehouse, not stock ("stock", "movement"): "stock",
    ("draft", "order"): "order", ("order", "edit"): "order", ("purchase", "order"): "order",
    ("customer", "group"): "customer", ("newsletter", "subscriber"): "subscription",
    ("webhook", "endpoint"): "webhook", ("event", "type"): "webhook",
    ("wish", "list"): "wishlist", ("product", "projection"): "product", ("product", "variant"): "product",
    ("product", "category"): "category",
    ("terminal", "order"): "", ("api", "credential"): "", ("api", "key"): "", ("client", "key"): "",
}

ENTITY_WORDS: dict[str, str] = {}
for _entity, _words in {
    "product": "product produkt artikel article catalogue catalog katalog variant sku projection material materialien",
    "category": "category kategorie collection taxon taxonomy sortiment",
    "price": "price preis pricing pricelist preisliste kondition konditionen",
    "stock": "stock inventory bestand lagerbestand lager reservation availability verfuegbarkeit verfügbarkeit atp",
    "cart": "cart basket warenkorb",
    "order": "order auftrag auftraege aufträge bestellung kundenauftrag kundenauftraege kundenaufträge salesorder",
    "quote": "quote quotation angebot rfq",
    "payment": "payment zahlung authorisation authorization autorisierung capture charge refund reversal card payout "
               "erstattung",
    "invoice": "invoice rechnung faktura gutschrift",
    "credit": "credit kredit kreditlimit",
    "shipment": "shipment fulfillment fulfilment delivery lieferung sendung versand parcel paket consignment shipping "
                "pickup abholung",
    "return": "return retoure ruecksendung rücksendung rma claim exchange umtausch",
    "ticket": "ticket complaint reklamation",
    "voucher": "voucher coupon promotion promo discount campaign kampagne giftcard gutschein rabatt rabattcode aktion",
    "customer": "customer kunde kundenkonto debitor debitoren debtor",
    "review": "review rating bewertung",
    "subscription": "subscription abo abonnement plan subscriber",
    "webhook": "webhook hook event notification callback",
    "dispute": "dispute chargeback",
    "wishlist": "wishlist merkliste favorite favourite",
}.items():
    for _word in _words.split():
        ENTITY_WORDS[_word] = _entity

# Words that name a voucher only as a commerce API's own resource (`/admin/campaigns`): in an
# operationId, a summary or a title they name as often a messaging campaign (Twilio's A2P 10DLC
# campaign registration), an ad campaign or a "Transaktion".
PATH_ONLY_ENTITY_WORDS = frozenset({"campaign", "kampagne", "aktion"})
# ... and in a catalog name "campaign" is as ambiguous; "Aktionen" at the start of a word is not
# ("Transaktion" does not start with it).
# A "card" API may be a loyalty or gift card's.
AMBIGUOUS_NAME_WORDS = frozenset({"campaign", "kampagne", "card"})

# Words of a summary or operationId that make a payment a session, opened at the provider before
# anything is charged ("Zahlung starten (Zahlungssitzung ... anlegen)"): creating one moves no money.
SESSION_WORDS = frozenset({"session", "sitzung", "zahlungssitzung", "checkoutsitzung", "paymentsession"})


def name_pattern(*entities: str) -> str:
    """A regex for catalog names and titles that name one of the entities (a word starting at a word
    boundary, so `GutscheinService` and `promotions-api` match, `Transaktion` does not)."""
    named = {**ENTITY_WORDS, **PATH_ENTITY_WORDS}
    words = sorted({w for w, e in named.items() if e in entities and w not in AMBIGUOUS_NAME_WORDS},
                   key=len, reverse=True)
    return r"(?<![a-zäöüß])(?:" + "|".join(words) + ")"


def field_pattern(*entities: str) -> str:
    """A regex for property and parameter names that mention one of the entities anywhere
    (`appliedDiscounts`, `gutscheincode`, `campaign_id`); "aktion" not inside "Transaktion"."""
    words = sorted({w for w, e in ENTITY_WORDS.items() if e in entities}, key=len, reverse=True)
    return "|".join("(?<!s)aktion" if w == "aktion" else w for w in words)


# Parts of a parent entity: a segment named so is not an entity of its own (`/carts/{id}/items`).
PART_WORDS = frozenset(
    "item items line position positionen option value rule image media translation custom field tag metadata "
    "note document evidence message label fee adjustment level association detail translation "
    "notiz notizen position positionen kommentar kommentare dokument dokumente anhang anhaenge anhänge".split())

# Parts that belong to one entity wherever they appear: adding an address changes a customer.
PART_OF: dict[str, str] = {"address": "customer", "adresse": "customer", "profile": "customer",
                           "password": "customer", "passwort": "customer"}

# Path words that name an entity only in a path: Spree's `/checkout` is the order being placed,
# but a spec titled "Checkout API" is not about orders.
PATH_ENTITY_WORDS: dict[str, str] = {"checkout": "order", "kasse": "order"}

# In a shopper's API, the account is the customer's own record; in a merchant's it is not.
SHOPPER_ENTITY_WORDS: dict[str, str] = {"account": "customer", "konto": "customer", "kundenkonto": "customer"}

# Words that, under an entity, name more of it: `/promotions/{id}/codes` are voucher codes.
CHILDREN: dict[str, frozenset[str]] = {"voucher": frozenset({"code", "gutscheincode"})}

# Words that, under an entity, are only a part of it: a webhook's deliveries are not shipments, and
# an invoice's or a quote's dispatch (`/rechnungen/{nr}/versand`) is the document being sent.
_SENDING = frozenset({"delivery", "dispatch", "versand", "versandprotokoll", "sending", "email", "mail", "pdf"})
PARTS_UNDER: dict[str, frozenset[str]] = {"webhook": frozenset({"delivery", "attempt", "event", "log"}),
                                          "invoice": _SENDING, "quote": _SENDING}

# Resources of which the caller has exactly one: GET reads it (`GET /cart`, `GET /account`).
SINGLETONS = frozenset("cart basket warenkorb account konto kundenkonto profile checkout store".split())

# Paths about the service itself, not about any entity.
SERVICE_WORDS = frozenset("health healthz ping metrics version status readiness liveness".split())

# Segments that carry no meaning for the entity (API prefixes, versions, scopes).
NOISE_WORDS = frozenset("api v rest public private me my mine self current store storefront admin platform "
                        "management backoffice shop".split())

# Entities whose options (a method, an option, a rate) are chosen on a cart or an order: selecting
# one there changes the cart, it does not create a shipment or a payment.
OPTION_WORDS = frozenset("method option rate provider".split())

# -- actions --------------------------------------------------------------------------------------

ACTIONS = (
    "search", "read", "create", "update", "delete", "cancel", "refund", "return", "reorder", "track",
    "redeem", "subscribe", "publish", "import", "configure", "authenticate",
)
# The actions that are more than reading and writing a record: when a path names one of them,
# the plain CRUD reading of the method is dropped (`POST /orders/{id}/cancel` cancels, it does not create).
SPECIAL_ACTIONS = frozenset(
    "cancel refund return reorder track redeem subscribe publish import configure authenticate".split())

# Verbs: a path segment that starts with one (`cancel`, `accept-claim`, `bulk_add_tags`,
# `technicalCancel`) is an action on the resource before it, not a resource.
VERBS: dict[str, str] = {}
for _action, _words in {
    "cancel": "cancel storno stornieren stornierung abort abbrechen annul widerruf",
    "refund": "refund void reverse erstatten",
    "reorder": "reorder replicate repeat nachbestellen wiederholen",
    "track": "track trace",
    "redeem": "redeem einloesen einlösen",
    "subscribe": "subscribe abonnieren",
    "import": "import export bulk upsert",
    "authenticate": "login logout signin signout auth oauth authenticate anmelden abmelden",
    "search": "list search find query filter suche suchen",
    "read": "get show retrieve fetch read view reveal check validate validation validierung verify pruefen prüfen "
            "pruefung prüfung preview estimate simulate calculate berechnen",
    "create": "create new place submit issue authorise authorize reauthorise reauthorize capture anlegen erstellen erzeugen register "
              "donate",
    "update": "update patch edit change set modify approve archive complete confirm suspend activate deactivate "
              "accept defend adjudicate appeal escalate reject resume revise remind send reposition provide "
              "make deny acknowledge require mark split fulfill fulfil purchase resend apply associate notify "
              "schedule disable enable merge load invite reprocess dismiss receive request publish unpublish adjust "
              "decline "
              "add remove reset select execute aendern ändern bearbeiten",
    "delete": "delete destroy loeschen löschen entfernen",
}.items():
    for _word in _words.split():
        VERBS[_word] = _action

# Nouns that, as the head of a path segment, name an action on the entity before them
# (`/paymentMethodSettings` configures payment methods, `/trackers` is tracking, `/batch` bulk).
ACTION_NOUNS: dict[str, str] = {
    "setting": "configure", "configuration": "configure", "config": "configure", "preference": "configure",
    "reason": "configure", "einstellung": "configure",
    # a product *type* is the template products are made from (`productTypes`, `/product-types`)
    "type": "configure",
    "tracker": "track", "tracking": "track", "sendungsverfolgung": "track",
    "batch": "import", "cancellation": "cancel", "reversal": "refund", "lookup": "search", "search": "search",
    "redemption": "redeem", "deletion": "delete", "removal": "delete", "einloesung": "redeem", "einlösung": "redeem", "replication": "reorder",
}

# A verb that names its own entity: authorising or capturing is about a payment wherever it is
# called (`/orders/{id}/authorize`), tracking about a shipment.
VERB_ENTITY = {"authorise": "payment", "authorize": "payment", "reauthorise": "payment", "reauthorize": "payment", "capture": "payment", "refund": "payment",
               "track": "shipment", "trace": "shipment", "tracker": "shipment", "tracking": "shipment"}

# Payment terms that name how a payment will be made, not money moving: creating one charges nothing.
PAYMENT_INSTRUMENTS = frozenset({"payment method", "payment token", "setup token", "payment session",
                                 "payment link", "payment collection", "payment provider", "card", "credit card",
                                 "payment instrument", "payment intent"})
# Terms whose creation moves money: a payment, a charge, a capture, an authorisation, a payout.
MONEY_TERMS = frozenset({"payment", "zahlung", "charge", "capture", "authorisation", "authorization",
                         "autorisierung", "authorise", "authorize", "reauthorise", "reauthorize", "payout",
                         "payment auth"})

# Creating one of these is the named action (POST /payments/{id}/refunds refunds).
# A credit note (Gutschrift) reverses an invoice.
CREATE_MEANS = {"refund": "refund", "reversal": "refund", "subscriber": "subscribe", "webhook": "subscribe",
                "endpoint": "subscribe", "edit": "update", "gutschrift": "refund", "credit note": "refund",
                "creditnote": "refund"}

# First words of a summary that make a POST a query (`POST /paymentMethods`: "Get a list of ...").
QUERY_SUMMARY = {"list": "search", "search": "search", "find": "search", "query": "search", "get": "read",
                 "retrieve": "read", "show": "read", "check": "read", "fetch": "read", "validate": "read"}

# Verbs that apply a code or a credit to a cart or an order.
APPLY_VERBS = frozenset("apply add redeem use einloesen einlösen".split())

# Verbs that, on a cart, place the order.
CHECKOUT_VERBS = frozenset("complete checkout place submit confirm".split())

# Update actions (commercetools-style `actions: [{action: ...}]`) and status values, as words.
UPDATE_ACTION_WORDS: dict[str, str] = {
    "cancel": "cancel", "cancelled": "cancel", "canceled": "cancel", "storniert": "cancel",
    "return": "return", "returned": "return", "retoure": "return",
    "refund": "refund", "refunded": "refund", "void": "refund", "voided": "refund", "reverse": "refund",
    "discount": "redeem", "coupon": "redeem", "voucher": "redeem", "promo": "redeem",
    "tracking": "track", "parcel": "track",
}

# Words that make a `status`-like property a state machine worth reading in an update body.
STATUS_PROPERTIES = frozenset("status state order_state orderstate status_id state_id zustand".split())


# -- audience -------------------------------------------------------------------------------------

AUDIENCES = ("shopper", "b2b-buyer", "merchant", "partner", "provider", "internal")

AUDIENCE_WORDS: dict[str, str] = {
    "store": "shopper", "storefront": "shopper", "shop": "shopper", "frontend": "shopper",
    "admin": "merchant", "platform": "merchant", "management": "merchant", "backoffice": "merchant",
    "backend": "merchant", "merchant": "merchant", "verwaltung": "merchant",
    "partner": "partner", "reseller": "partner",
    "b2b": "b2b-buyer", "buyer": "b2b-buyer",
    "internal": "internal", "intern": "internal",
}
# Tags that name who an operation is for, as the whole tag (`Admin`, `Storefront`): a tag such as
# "Stores" or "Inventory Management" names a resource, not an audience.
AUDIENCE_TAGS: dict[str, str] = {"admin": "merchant", "backoffice": "merchant", "storefront": "shopper",
                                 "partner": "partner", "internal": "internal"}
# A receiver the audited company implements is known from the spec's `webhooks` and `callbacks`
# (see capabilities.operations), never from a word: a webhook *management* API is the merchant's.


# -- GraphQL field names (see fields.py) -------------------------------------------------------------

# Verbs of mutation names beyond the path verbs: `productTranslate`, `transactionInitialize`,
# `invoiceRequest` (requesting an invoice makes one), `appInstall`, `orderFulfill` (creates fulfilments).
FIELD_VERBS: dict[str, str] = {
    "translate": "update", "initialize": "create", "initialise": "create", "request": "create",
    "install": "create", "retry": "update", "attach": "update", "detach": "update", "assign": "update",
    "unassign": "update", "move": "update", "process": "update", "adjust": "update", "fulfill": "create", "fulfil": "create", "void": "refund",
    "return": "return",
}
# Verbs that name their own entity in a field name: fulfilling creates a shipment, voiding or
# refunding moves a payment back, returning products makes a return.
FIELD_VERB_ENTITY: dict[str, str] = {**VERB_ENTITY, "fulfill": "shipment", "fulfil": "shipment", "void": "payment",
                                     "return": "return"}
# Verbs that link a record to another (`checkoutCustomerAttach`, `voucherCataloguesAdd`): the first
# record named is the one changed.
LINK_VERBS = frozenset("attach detach assign unassign add remove".split())
# In a GraphQL schema the Checkout object is the cart (lines, codes, addresses; completing it places
# the order), and a transaction is a payment record. A REST `/checkout` is the order being placed
# (PATH_ENTITY_WORDS), and a REST `/transactions` path names no entity by itself.
FIELD_ENTITY_WORDS: dict[str, str] = {"checkout": "cart", "transaction": "payment"}
# A field about one of these alone is about the customer's own record (`requestEmailChange`).
FIELD_PART_OF: dict[str, str] = {**PART_OF, "email": "customer"}


# -- events (API010) ------------------------------------------------------------------------------

# Last path segments of a feed of changes a consumer reads (`GET /messages`, `GET /changes`).
EVENT_FEEDS = frozenset({("messages",), ("changes",), ("change", "feed"), ("event", "feed"), ("event", "stream")})
# Wording that makes a `/subscriptions` collection a delivery of events, not recurring orders.
EVENT_DELIVERY_WORDS = r"\b(?:events?|messages?|webhooks?|callbacks?|destinations?|queues?|topics?|change|ereignis\w*|benachrichtigung\w*)\b"


# -- personal data in schemas (API003, DAT003/DAT004 via spec_analysis) --------------------------------
# Property names, not operations: which kind of personal data a property holds.

PII_KINDS: dict[str, re.Pattern] = {
    "email": re.compile(r"e[-_]?mail|mail[-_]?address|emailadresse"),
    "phone": re.compile(r"phone|telefon|telephone|mobile(?!app)|handy|mobil(?:nummer|funk)|fax"),
    "address": re.compile(r"street|strasse|straße|address(?!ing)|adresse|anschrift|postcode|postal[-_]?code|zip(?:code)?$|^plz$|hausnummer|house[-_]?number"),
    "iban": re.compile(r"iban|\bbic\b|account[-_]?number|kontonummer|bankverbindung|bank[-_]?account"),
    "birth-date": re.compile(r"birth|geburt|^dob$|date[-_]?of[-_]?birth"),
    "tax-id": re.compile(r"tax[-_]?id|vat[-_]?(?:id|number)|ust[-_]?id|steuer[-_]?(?:nummer|id)|steuernummer"),
    "person-name": re.compile(r"^(?:first|last|given|family|sur|full|fore)[-_]?name$|^(?:vorname|nachname|familienname)$"),
    "card": re.compile(r"card[-_]?number|^pan$|^cvv|^cvc|^ccv$|^longnum$|kreditkarte"),
}


# A property whose name says PII but which only describes or flags it (emailVerified, addressType).
NOT_THE_DATA = re.compile(
    r"(?:type|kind|format|formats|count|status|enabled|required|verified|validated|optin|opt[-_]?in|"
    r"consent|template|templates|policy|settings|config|configuration|validation|mode|pattern|regex|"
    r"label|visibility|visible|language|locale|schema|url|uri|link|token|hash|uuid|reference|ref|"
    r"indicator|usage|usage[-_]?ind|level|score|length|result|check|match|source|provider|domain)$"
    r"|^(?:web|mac|url)[-_]?address",
    re.IGNORECASE,
)
# ... and a date or time about it (deliveryAddressUsageDate), unless it is the birth date itself.
A_DATE_ABOUT_IT = re.compile(r"(?i:date|time|timestamp|since|until)$|(?:At|_at|-at)$")




# -- operations open on purpose (API003) ------------------------------------------------------------

# Probes: a last path segment that is one wherever it is (`/services/{id}/health`), and words that
# are one only when they are the whole path (`/status`, not a device's `/devices/{id}/status`).
PROBE_WORDS = frozenset("health healthz healthcheck livez readyz liveness readiness ping heartbeat".split())
WHOLE_PATH_PROBE_WORDS = PROBE_WORDS | SERVICE_WORDS | frozenset("ready live alive info".split())
# Discovery documents (`/.well-known/...`, `/openapi.json`, `/swagger`, `/api-docs`).
DISCOVERY_WORDS = frozenset("well known openapi swagger doc".split())
# A path made only of these is an OAuth or OpenID endpoint (`/oauth2/token`, `/v1/authorize`): the
# caller comes to get its credentials. Under a record (`/payments/{id}/authorize`) they mean else.
OAUTH_WORDS = frozenset("oauth token authorize authorization revoke introspect introspection userinfo openid jwks".split())
# A password reset opens on purpose: the caller has lost the password it would sign in with.
PASSWORD_WORDS = frozenset("password passwort kennwort".split())
RESET_WORDS = frozenset("reset forgot forgotten recover recovery vergessen zuruecksetzen zurücksetzen".split())
# What a shop shows everyone: its catalogue (products, categories) and reference data about the shop.
CATALOGUE_ENTITIES = frozenset({"product", "category"})
PUBLIC_REFERENCE_WORDS = frozenset(
    "region country currency locale language tag brand marke post policy page blog article cms suggestion "
    "search suche assortment location reason filter".split())
# Options a shopper chooses from before signing in (a carrier, a payment method).
PUBLIC_OPTION_TERMS = frozenset({"shipping option", "shipping method", "delivery method", "payment method",
                                 "payment provider"})


# -- switching a record off (BLR006) --------------------------------------------------------------------

# Words of a path or operationId that stop a code or a promotion at once (regex on one word).
STOP_VERBS = (r"^(?:deactivat\w*|disabl\w*|expir\w*|invalidat\w*|revok\w*|archiv\w*|deaktiv\w*|sperr\w*|"
              r"block\w*|suspend\w*|beend\w*|withdraw\w*|stop|pause|end)$")
# Fields whose update ends a record's validity: a status, an active flag, an end date (regex on one name).
VALIDITY_FIELDS = (r"^(?:status|state|active|is_?active|enabled|is_?enabled|disabled|valid_?until|valid_?to|expires?(?:_?at)?|"
                   r"expiry|expiration(?:_?date)?|ends?_?(?:at|date)|end|gueltig_?bis|gültig_?bis|aktiv|zustand|"
                   r"laufzeit(?:_?ende)?|bis)$")


# Response fields holding a price computed for the caller (their group, region, contract), as words:
# a product read that answers with one is a customer-specific price check.
CUSTOMER_PRICE_NAMES = frozenset({
    ("calculated", "price"), ("calculated", "prices"), ("customer", "price"), ("contract", "price"),
    ("individual", "price"), ("personal", "price"), ("kundenpreis",), ("kunden", "preis"),
})
