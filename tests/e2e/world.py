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


@dataclass(frozen=True)
class App:
    name: str
    organization: str
    grant: str  # client_credentials or password
    owner: str | None = None  # a username, or a customer email for a storefront application
    storefront: bool = False
    active: bool = True


MOBILE_APP = App("Mobile app", ORG, "password")
WAREHOUSE_SYNC = App("Warehouse sync", ORG, "client_credentials", OWNER, active=False)
ERP_CONNECTOR = App("ERP connector", OTHER_ORG, "client_credentials", OTHER_OWNER)
PRICE_FEED = App("Price feed", OTHER_ORG, "password", active=False)
REPORTING = App("Reporting dashboard", GLOBAL_ORG, "client_credentials", ADMIN)
CHECKOUT = App("Storefront checkout", ORG, "client_credentials", CUSTOMER, storefront=True)
LOYALTY_APP = App("Loyalty app", ORG, "password", storefront=True)
APPS = (MOBILE_APP, WAREHOUSE_SYNC, ERP_CONNECTOR, PRICE_FEED, REPORTING, CHECKOUT, LOYALTY_APP)
BACKOFFICE_APPS = tuple(app for app in APPS if not app.storefront)
