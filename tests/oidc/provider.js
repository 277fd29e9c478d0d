// A real OpenID Connect provider (the certified `oidc-provider` package) for the sign-in tests.
//
//   node provider.js PORT CLIENT_ID CLIENT_SECRET ACCOUNTS_FILE
//
// Serves http://127.0.0.1:PORT with a fresh signing key and two clients: CLIENT_ID (DDS) and `survey` (secret
// `survey-secret`, another application of the same institution), whose redirect URI is
// http://127.0.0.1:<any port>/login/callback (a native client's loopback redirect, RFC 8252 section 7.3). People sign in
// through the package's own login form (its development interactions: any login, which becomes the account id);
// their claims come from ACCOUNTS_FILE, a JSON object {login: {name, given_name, family_name, email,
// email_verified}} read again on every sign-in. An authorization request with `resource=<url>` gets a JWT access
// token for that audience (`urn:client:<id>`: for the audience <id>); without one, an opaque access token for the userinfo endpoint, which a client's
// credentials can introspect (RFC 7662: active, sub, client_id). PUT /-/clock with a
// number of seconds shifts the provider's clock, so that a test
// can be issued a token that has already expired.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const [port, clientId, clientSecret, accountsFile] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

let clockOffsetSeconds = 0;
const realNow = Date.now;
Date.now = () => realNow() + clockOffsetSeconds * 1000;

function accountClaims(id) {
  const accounts = JSON.parse(readFileSync(accountsFile, 'utf8'));
  return { sub: id, preferred_username: id, ...(accounts[id] || {}) };
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const client = (id, secret) => ({
  client_id: id,
  client_secret: secret,
  application_type: 'native',
  redirect_uris: ['http://127.0.0.1/login/callback'],
  grant_types: ['authorization_code'],
  response_types: ['code'],
});

const provider = new Provider(issuer, {
  clients: [client(clientId, clientSecret), client('survey', 'survey-secret')],
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: `key-${port}`, use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [`cookie-key-${port}`] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  scopes: ['openid', 'profile', 'email'],
  pkce: { required: () => true },
  async findAccount(ctx, id) {
    return { accountId: id, claims: () => accountClaims(id) };
  },
  features: {
    devInteractions: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => ({
        // `urn:client:<id>`: a token whose audience is that client's id, as an audience mapper of Keycloak gives.
        audience: resource.startsWith('urn:client:') ? resource.slice('urn:client:'.length) : resource,
        scope: 'profile email',
        accessTokenFormat: 'jwt',
        accessTokenTTL: 3600,
      }),
    },
  },
  extraTokenClaims(ctx, token) {
    if (token.kind !== 'AccessToken' || !token.resourceServer) return undefined;
    const { sub, ...claims } = accountClaims(token.accountId);
    return claims;
  },
  ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
});
provider.on('server_error', (ctx, error) => console.error('server_error', error));

const callback = provider.callback();
const server = createServer((req, res) => {
  if (req.url === '/-/clock' && req.method === 'PUT') {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      clockOffsetSeconds = Number(body);
      res.writeHead(204).end();
    });
    return;
  }
  callback(req, res);
});
server.listen(Number(port), '127.0.0.1', () => console.log(`ready ${issuer}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
