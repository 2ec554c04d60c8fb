"""The browser leg of the authorization code grant: authorize, log in, consent, revoke."""
