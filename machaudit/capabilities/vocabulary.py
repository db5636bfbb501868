"""The one vocabulary of commerce capabilities: which words name which entity, action and audience.

English and German (with ae/oe/ue spellings). Words are matched against singular lower-case
tokens (see `evidence.singular`); two-word terms (`gift card`, `store credit`) are matched before
single words, so `credit card` is a payment instrument and not a credit line. A word listed here
is the whole token, never a substring: `recorder` is not an order and `discounted` not a discount.
"""

from __future__ import annotations

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
    ("delivery", "profile"): "shipment",
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
    "product": "product produkt artikel catalogue catalog katalog variant sku projection",
    "category": "category kategorie collection taxon taxonomy sortiment",
    "price": "price preis pricing pricelist preisliste",
    "stock": "stock inventory bestand lagerbestand reservation availability verfuegbarkeit verfügbarkeit",
    "cart": "cart basket warenkorb",
    "order": "order auftrag auftraege aufträge bestellung kundenauftrag",
    "quote": "quote quotation angebot rfq",
    "payment": "payment zahlung authorisation authorization autorisierung capture charge refund reversal card payout "
               "erstattung",
    "invoice": "invoice rechnung faktura gutschrift",
    "credit": "credit kredit kreditlimit",
    "shipment": "shipment fulfillment fulfilment delivery lieferung sendung versand parcel paket consignment shipping",
    "return": "return retoure ruecksendung rücksendung rma claim exchange umtausch",
    "ticket": "ticket complaint reklamation",
    "voucher": "voucher coupon promotion promo discount campaign giftcard gutschein rabatt rabattcode aktion",
    "customer": "customer kunde kundenkonto",
    "review": "review rating bewertung",
    "subscription": "subscription abo abonnement plan subscriber",
    "webhook": "webhook hook event notification callback",
    "dispute": "dispute chargeback",
    "wishlist": "wishlist merkliste favorite favourite",
}.items():
    for _word in _words.split():
        ENTITY_WORDS[_word] = _entity

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
    "tracker": "track", "tracking": "track", "sendungsverfolgung": "track",
    "batch": "import", "cancellation": "cancel", "reversal": "refund", "lookup": "search", "search": "search",
    "redemption": "redeem", "einloesung": "redeem", "einlösung": "redeem", "replication": "reorder",
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
