// A public client that runs in the page (the end-to-end tests' browser app): it starts the
// authorization code flow with PKCE S256, and on its way back exchanges the code with fetch,
// sending only its client_id, then shows the access token's claims and what /api/me answered.
"use strict";

const params = new URLSearchParams(location.search);
const redirectUri = location.origin + location.pathname;

function base64url(bytes) {
  const text = String.fromCharCode(...new Uint8Array(bytes));
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

function claimsOf(jwt) {
  const payload = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(payload));
}

async function start() {
  const flow = {
    issuer: params.get("issuer"),
    clientId: params.get("client_id"),
    verifier: randomString(),
    state: randomString(),
  };
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(flow.verifier));
  sessionStorage.setItem("flow", JSON.stringify(flow));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: flow.clientId,
    redirect_uri: redirectUri,
    state: flow.state,
    code_challenge: base64url(digest),
    code_challenge_method: "S256",
  });
  if (params.has("prompt")) query.set("prompt", params.get("prompt"));
  location.assign(`${flow.issuer}/oauth2-token/authorize?${query}`);
}

async function finish() {
  const flow = JSON.parse(sessionStorage.getItem("flow"));
  sessionStorage.removeItem("flow");
  if (params.get("state") !== flow.state) throw new Error("the state is not the one sent");
  if (params.get("iss") !== flow.issuer) throw new Error("the iss is not the issuer's");
  if (params.has("error")) throw new Error(params.get("error"));
  const response = await fetch(`${flow.issuer}/oauth2-token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: params.get("code"),
      redirect_uri: redirectUri,
      client_id: flow.clientId,
      code_verifier: flow.verifier,
    }),
  });
  const token = await response.json();
  if (!response.ok) throw new Error(`token endpoint: ${response.status} ${token.error}`);
  document.getElementById("claims").textContent = JSON.stringify(claimsOf(token.access_token));
  const me = await fetch(`${flow.issuer}/api/me`, {
    headers: { Authorization: `Bearer ${token.access_token}` },
  });
  if (!me.ok) throw new Error(`/api/me: ${me.status}`);
  document.getElementById("me").textContent = JSON.stringify(await me.json());
  document.getElementById("status").textContent = "Signed in";
}

(params.has("code") || params.has("error") ? finish() : start()).catch((error) => {
  document.getElementById("status").textContent = `Failed: ${error.message}`;
});
