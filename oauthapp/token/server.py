"""The authorization server: Authlib's machinery with this product's requests and clients."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.errors import (
    InvalidScopeError,
    OAuth2Error,
    UnsupportedGrantTypeError,
)
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from flask import Request, Response, json

from oauthapp import get_settings
from oauthapp.oidc.id_tokens import IDToken
from oauthapp.token import clients
from oauthapp.token.body import read_parameters
from oauthapp.token.client_views import ClientView
from oauthapp.token.code_grant import AuthorizationCodeGrant, S256Challenge
from oauthapp.token.endpoints import IntrospectionEndpoint, RevocationEndpoint
from oauthapp.token.errors import UnsupportedGrant
from oauthapp.token.grants import ClientCredentialsGrant, PasswordGrant, RefreshTokenGrant

ID_TOKEN = IDToken()


class TokenRequest(OAuth2Request):
    """An OAuth request whose parameters were read (and checked) from a form or JSON body."""

    def __init__(self, request: Request, parameters: dict[str, str]) -> None:
        # OAuth2Request.__init__ refuses plain-HTTP URLs; TLS is the deployment's concern here
        # (it usually ends at a proxy), so the attributes it sets are set directly instead.
        self.method = request.method
        self._request = request
        self.headers = request.headers
        self._body = None
        self.payload = BasicOAuth2Payload(parameters)
        self.client = None
        self.presented: ClientView | None = None  # the application the client id named
        self.auth_method = None
        self.user = None
        self.authorization_code = None
        self.refresh_token = None
        self.credential = None
        self._scope = None
        self._parameters = parameters

    @property
    def uri(self) -> str:
        """The full URL, built only if asked for (no grant here needs it)."""
        return self._request.url

    @property
    def form(self) -> dict[str, str]:
        return self._parameters

    @property
    def args(self) -> dict[str, str]:
        return {}


def parse_request(request: Request) -> TokenRequest:
    """The request with its parameters, or InvalidRequestError for a malformed body."""
    return TokenRequest(request, read_parameters(request))


class TokenServer(AuthorizationServer):
    """Grants, revocation and introspection; clients authenticate by HTTP Basic or the body."""

    def __init__(self) -> None:
        super().__init__()
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(PasswordGrant)
        self.register_grant(RefreshTokenGrant)
        self.register_grant(AuthorizationCodeGrant, [S256Challenge(), ID_TOKEN])
        self.register_endpoint(RevocationEndpoint)
        self.register_endpoint(IntrospectionEndpoint)

    def create_oauth2_request(self, request: Any) -> TokenRequest:
        if isinstance(request, TokenRequest):
            return request
        raise TypeError("Parse the request with parse_request() first.")

    def get_token_grant(self, request: TokenRequest) -> Any:
        try:
            return super().get_token_grant(request)
        except UnsupportedGrantTypeError:
            grant_type = request.payload.grant_type
            raise UnsupportedGrant(
                "The grant_type must be client_credentials, password, authorization_code "
                "or refresh_token."
                if grant_type
                else "Missing 'grant_type' in request."
            ) from None

    def get_authorization_grant(self, request: TokenRequest) -> AuthorizationCodeGrant:
        """The code grant validates every authorize request, response_type included (§7)."""
        grant = AuthorizationCodeGrant(request, self)
        S256Challenge()(grant)
        ID_TOKEN(grant)
        return grant

    def authenticate_client(
        self, request: TokenRequest, methods: list[str], endpoint: str = "token"
    ) -> Any:
        return clients.authenticate_view(request, endpoint)

    def validate_requested_scope(self, scope: str | None, granted: Sequence[str] = ()) -> None:
        """Refuse any scope but those GRANTED to the application (SPEC §10)."""
        if not scope:
            return
        asked = set(scope.split(" ")) - {""}
        if not granted:
            raise InvalidScopeError(
                "This server issues tokens without scopes: leave out the scope parameter."
            )
        if not asked <= set(granted):
            raise InvalidScopeError(
                "The application may ask only for the scopes it was granted: "
                + " ".join(granted)
                + "."
            )

    def handle_response(self, status_code: int, payload: Any, headers: Any) -> Response:
        body = json.dumps(payload) if isinstance(payload, dict) else payload
        response = Response(body, status=status_code, headers=headers)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response

    def handle_error_response(self, request: Any, error: OAuth2Error) -> Response:
        if error.redirect_uri:  # an authorize error: back to the client, naming us (RFC 9207)
            params = [*error.get_body(), ("iss", get_settings().oauth2_server.issuer)]
            location = add_params_to_uri(error.redirect_uri, params)
            return self.handle_response(302, "", [("Location", location)])
        response: Response = super().handle_error_response(request, error)
        return response

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No listeners: the audit trail records what it needs in the services."""


server = TokenServer()
