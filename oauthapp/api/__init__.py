"""The bearer-protected APIs: back-office (/api) and storefront (/api/frontend)."""
