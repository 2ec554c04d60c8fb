// The peer: panva's oidc-provider issuing what the product issues for the client credentials
// grant (an RS256 JWT access token, RFC 9068, for <issuer>/api), on N cluster workers.
//
// Environment (set by bench/servers.py):
//   PEER_PORT         the port to listen on, on 127.0.0.1
//   PEER_WORKERS      how many cluster workers (the benchmark's --workers)
//   PEER_ISSUER       the product's issuer: the tokens' iss, and <issuer>/api their aud
//   PEER_PRIVATE_KEY  the product's private key file (PEM), imported as the provider's JWK
//   PEER_CLIENTS      the benchmark's clients.txt: "<grant> <client id> <client secret>" lines
// The peer has no database: clients are static configuration, and a JWT access token is signed
// and returned without being stored (oidc-provider keeps no state for it).

import cluster from 'node:cluster';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const PORT = Number(env('PEER_PORT'));
const WORKERS = Number(env('PEER_WORKERS'));
const ISSUER = env('PEER_ISSUER');
const AUDIENCE = `${ISSUER}/api`;
const LIFETIME = 3600; // the product's access_token_lifetime default

function signingKey(path) {
  const jwk = createPrivateKey(readFileSync(path)).export({ format: 'jwk' });
  if (jwk.kty !== 'RSA') throw new Error(`${path} is not an RSA key: the peer signs RS256`);
  return { ...jwk, alg: 'RS256', use: 'sig' };
}

function clients(path) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([grant]) => grant === 'client_credentials')
    .map(([, clientId, secret]) => ({
      client_id: clientId,
      client_secret: secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    }));
}

async function provider() {
  // Imported here: the primary only hands connections to the workers.
  const { default: Provider, errors } = await import('oidc-provider');
  return new Provider(ISSUER, {
    clients: clients(env('PEER_CLIENTS')),
    jwks: { keys: [signingKey(env('PEER_PRIVATE_KEY'))] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    routes: { token: '/oauth2-token' },
    ttl: { ClientCredentials: LIFETIME },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // The product's clients send no resource parameter: every token is for <issuer>/api.
        defaultResource: () => AUDIENCE,
        getResourceServerInfo(ctx, indicator) {
          if (indicator !== AUDIENCE) throw new errors.InvalidTarget();
          return {
            scope: '',
            audience: AUDIENCE,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  });
}

if (cluster.isPrimary) {
  for (let i = 0; i < WORKERS; i += 1) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    // A lost worker would skew the measurement: stop, and let the benchmark say so.
    console.error(`peer worker ${worker.process.pid} exited (${signal || code})`);
    process.exit(1);
  });
  process.on('SIGTERM', () => {
    // Stop the workers, and exit once they have: the next server then has the cores to itself.
    const workers = Object.values(cluster.workers);
    let running = workers.length;
    cluster.removeAllListeners('exit');
    cluster.on('exit', () => {
      running -= 1;
      if (running === 0) process.exit(0);
    });
    for (const worker of workers) worker.process.kill('SIGTERM');
    if (running === 0) process.exit(0);
  });
} else {
  const server = createServer((await provider()).callback());
  server.listen(PORT, '127.0.0.1', () => console.log(`peer worker ${process.pid} on ${PORT}`));
}
