"""The people and applications every browser test's site starts with.

Tests that change something make their own applications (named after the test); the ones here
are only read, so that any test may count on them whatever ran before it.
"""

from __future__ import annotations

from dataclasses import dataclass

PASSWORD = "correct horse battery"

GLOBAL_ORG = "Main Organization"  # global: its users see every organization
ORG = "Acme Retail"
OTHER_ORG = "Northwind Traders"
ORGANIZATIONS = ((GLOBAL_ORG, True), (ORG, False), (OTHER_ORG, False))

ADMIN = "alice"  # administrator in the global organization
OWNER = "olivia"  # a user of Acme Retail
OTHER_OWNER = "noah"  # a user of Northwind Traders
LOCKABLE = "lars"  # locked out by the lockout test, and by nothing else
CUSTOMER = "carla@example.com"  # a customer user of Acme Retail
CUSTOMER_NAME = "Carla Customer"

# username -> (email, organizations, role)
USERS = {
    ADMIN: ("alice@example.com", (GLOBAL_ORG,), "ADMINISTRATOR"),
    OWNER: ("olivia@example.com", (ORG,), "USER"),
    OTHER_OWNER: ("noah@example.com", (OTHER_ORG,), "USER"),
    LOCKABLE: ("lars@example.com", (ORG,), "USER"),
}


# Where authorization-code applications send the browser back: a page of the relying party the
# tests run (tests/e2e/relying_party.py), or of the browser app it serves from another origin.
# The seed fills in their addresses (the ports are only known then).
RELYING_PARTY_CALLBACK = "{relying_party}/callback"
BROWSER_APP_CALLBACK = "{browser_app}/index.html"


@dataclass(frozen=True)
class App:
    name: str
    organization: str
    grant: str  # authorization_code, client_credentials or password
    owner: str | None = None  # a username, or a customer email for a storefront application
    storefront: bool = False
    active: bool = True
    redirect_uri: str | None = None  # authorization code: one of the callbacks above
    confidential: bool = True
    skip_consent: bool = False


MOBILE_APP = App("Mobile app", ORG, "password")
WAREHOUSE_SYNC = App("Warehouse sync", ORG, "client_credentials", OWNER, active=False)
ERP_CONNECTOR = App("ERP connector", OTHER_ORG, "client_credentials", OTHER_OWNER)
PRICE_FEED = App("Price feed", OTHER_ORG, "password", active=False)
REPORTING = App("Reporting dashboard", GLOBAL_ORG, "client_credentials", ADMIN)
CHECKOUT = App("Storefront checkout", ORG, "client_credentials", CUSTOMER, storefront=True)
LOYALTY_APP = App("Loyalty app", ORG, "password", storefront=True)
# Authorization code (SPEC §7). Consents change as tests grant and revoke them: a test that must
# see the consent page either asks with prompt=consent or is the only one to use its user and app.
PARTNER_PORTAL = App(
    "Partner portal", ORG, "authorization_code", redirect_uri=RELYING_PARTY_CALLBACK
)
WEB_SHOP = App(
    "Web shop", ORG, "authorization_code", storefront=True, redirect_uri=RELYING_PARTY_CALLBACK
)
BROWSER_APP = App(
    "Browser app", ORG, "authorization_code", redirect_uri=BROWSER_APP_CALLBACK, confidential=False
)
INTRANET = App(
    "Intranet", ORG, "authorization_code", redirect_uri=RELYING_PARTY_CALLBACK, skip_consent=True
)
APPS = (
    *(MOBILE_APP, WAREHOUSE_SYNC, ERP_CONNECTOR, PRICE_FEED, REPORTING, CHECKOUT, LOYALTY_APP),
    *(PARTNER_PORTAL, WEB_SHOP, BROWSER_APP, INTRANET),
)
CODE_APPS = tuple(app for app in APPS if app.grant == "authorization_code")
BACKOFFICE_APPS = tuple(app for app in APPS if not app.storefront)
