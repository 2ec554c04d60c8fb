// A relying party built on panva's openid-client (OpenID Certified), used as its README shows,
// for tests/e2e/test_openid_client.py. It serves on a loopback port and reports every step.
//
// Environment: RP_ISSUER (the server's issuer), RP_CLIENT_ID, RP_CLIENT_SECRET (empty for a public
// client, which authenticates with its client id alone) and RP_PORT. The application's redirect
// URLs are http://127.0.0.1:RP_PORT/callback and …/logged-out. It prints "listening" once it
// serves.
//
//   GET /start       discovery, then a redirect to the authorization endpoint (PKCE, state, nonce)
//   GET /callback    the code exchange (the ID token validated, its signature too), userinfo and
//                    a refresh; the page's heading says whether all of it worked
//   GET /logout      RP-initiated logout, with the ID token as hint
//   GET /logged-out  where the server sends the browser after logout
//   GET /result      what each step gave, as JSON
import http from 'node:http'
import * as client from 'openid-client'

const issuer = new URL(process.env.RP_ISSUER)
const clientId = process.env.RP_CLIENT_ID
const clientSecret = process.env.RP_CLIENT_SECRET
const base = `http://127.0.0.1:${process.env.RP_PORT}`
const redirectUri = `${base}/callback`
const loggedOutUri = `${base}/logged-out`
const scope = 'openid profile email'

let flow // the PKCE verifier, state and nonce of the last flow started, as a session keeps them
const result = {} // step -> {ok: true, …} or {ok: false, error: {…}}
let config // the openid-client Configuration from discovery
let tokens // the last token response

function describe(error) {
  return {
    name: error.name,
    code: error.code,
    error: error.error,
    error_description: error.error_description,
    status: error.status,
    message: error.message,
    cause: error.cause instanceof Error ? error.cause.message : undefined,
  }
}

// Runs one step and records what it gave; a step that throws ends the flow.
async function step(name, run, report) {
  try {
    const value = await run()
    result[name] = { ok: true, ...report(value) }
    return value
  } catch (error) {
    result[name] = { ok: false, error: describe(error) }
    throw new Error(name)
  }
}

function jwtHeader(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString())
}

async function start() {
  config = await step(
    'discovery',
    () =>
      client.discovery(
        issuer,
        clientId,
        clientSecret || undefined,
        clientSecret ? undefined : client.None(),
        { execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks] },
      ),
    (found) => ({ metadata: found.serverMetadata() }),
  )
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const nonce = client.randomNonce()
  flow = { verifier, state, nonce }
  const parameters = {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  }
  const url = client.buildAuthorizationUrl(config, parameters)
  result.authorization = { ok: true, url: url.href, state, nonce }
  return url.href
}

async function callback(currentUrl) {
  const parameters = [...currentUrl.searchParams.keys()]
  result.callback = { ok: true, parameters, state: currentUrl.searchParams.get('state') }
  tokens = await step(
    'token',
    () =>
      client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      }),
    (got) => ({
      token_type: got.token_type,
      scope: got.scope,
      expires_in: got.expires_in,
      access_token: got.access_token,
      has_refresh_token: Boolean(got.refresh_token),
      id_token_header: jwtHeader(got.id_token),
      claims: got.claims(),
    }),
  )
  const claims = tokens.claims()
  await step(
    'userinfo',
    () => client.fetchUserInfo(config, tokens.access_token, claims.sub),
    (userinfo) => ({ userinfo }),
  )
  const first = tokens
  tokens = await step(
    'refresh',
    () => client.refreshTokenGrant(config, first.refresh_token),
    (got) => ({
      token_type: got.token_type,
      scope: got.scope,
      new_access_token: got.access_token !== first.access_token,
      new_refresh_token: Boolean(got.refresh_token) && got.refresh_token !== first.refresh_token,
      claims: got.claims() ?? null,
    }),
  )
  if (!tokens.id_token) tokens.id_token = first.id_token // kept for the logout's hint
  await step(
    'userinfo_after_refresh',
    () => client.fetchUserInfo(config, tokens.access_token, claims.sub),
    (userinfo) => ({ userinfo }),
  )
  return claims
}

function logoutUrl() {
  const state = client.randomState()
  result.logout = { ok: true, state }
  return client.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token,
    post_logout_redirect_uri: loggedOutUri,
    state,
  }).href
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function page(response, status, heading) {
  response.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' })
  response.end(
    `<!doctype html><html lang="en"><title>${escape(heading)}</title>` +
      `<main><h1>${escape(heading)}</h1></main></html>`,
  )
}

async function handle(request, response) {
  const url = new URL(request.url, base)
  try {
    if (url.pathname === '/start') {
      response.writeHead(302, { Location: await start() }).end()
    } else if (url.pathname === '/callback') {
      const claims = await callback(url)
      page(response, 200, `Signed in as ${claims.preferred_username ?? claims.sub}`)
    } else if (url.pathname === '/logout') {
      response.writeHead(302, { Location: logoutUrl() }).end()
    } else if (url.pathname === '/logged-out') {
      result.logged_out = { ok: true, state: url.searchParams.get('state') }
      page(response, 200, 'Signed out')
    } else if (url.pathname === '/result') {
      response.writeHead(200, { 'Content-Type': 'application/json' })
      response.end(JSON.stringify(result))
    } else {
      page(response, 404, 'Not found')
    }
  } catch (error) {
    page(response, 500, `Sign-in failed at ${error.message}`)
  }
}

http.createServer(handle).listen(Number(process.env.RP_PORT), '127.0.0.1', () => {
  console.log('listening')
})
