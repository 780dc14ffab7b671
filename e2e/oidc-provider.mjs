// A real, certified OpenID provider (the npm package oidc-provider) on loopback, for the tests of
// single sign-on: one client (Uppfölj) and three test people. Its development sign-in pages take
// any password; the people are found by the login name.
//
//   REDIRECT_URIS=http://127.0.0.1:PORT/logga-in/oidc/callback node e2e/oidc-provider.mjs
//
// The first line on standard out says where it listens ("oidc-provider lyssnar på http://…").
//
// WRONG_AUDIENCE=x: the token endpoint answers with an ID token for audience x instead, signed with
// the provider's own key — what a relying party must refuse.
import { createServer } from 'node:http';
import { SignJWT, decodeJwt, exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const redirects = (process.env.REDIRECT_URIS || '').split(',').filter(Boolean);
if (redirects.length === 0) {
  console.error('REDIRECT_URIS saknas: appens adresser för /logga-in/oidc/callback, kommaseparerade');
  process.exit(2);
}
// The test people: an HSA-id each, as Inera's provider gives it (a made-up one here).
const people = {
  anna: { sub: 'anna', hsa_id: 'SE2321000016-A001', name: 'Anna Provperson' },
  bertil: { sub: 'bertil', hsa_id: 'SE2321000016-B002', name: 'Bertil Provperson' },
  cecilia: { sub: 'cecilia', hsa_id: 'SE2321000016-C003', name: 'Cecilia Okänd' },
};

// The provider's signing key (made here, so that a test can also sign with it).
const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signing = { ...(await exportJWK(privateKey)), kid: 'provnyckel', alg: 'RS256', use: 'sig' };

const configuration = {
  jwks: { keys: [signing] },
  clients: [
    {
      client_id: process.env.CLIENT_ID || 'uppfolj',
      client_secret: process.env.CLIENT_SECRET || 'testhemlighet-for-uppfolj',
      redirect_uris: redirects,
      post_logout_redirect_uris: redirects.map((r) => new URL('/', r).toString()),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  claims: { openid: ['sub', 'hsa_id', 'name'] },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  cookies: { keys: ['provnyckel-for-cookies'] },
  async findAccount(ctx, id) {
    const person = people[id];
    if (!person) return undefined;
    return { accountId: id, async claims() { return person; } };
  },
};

const server = createServer();
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);
  provider.on('server_error', (ctx, err) => console.error('oidc-provider:', err));
  if (process.env.WRONG_AUDIENCE) {
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.method === 'POST' && ctx.path === '/token' && ctx.body && ctx.body.id_token) {
        const claims = decodeJwt(ctx.body.id_token);
        ctx.body = {
          ...ctx.body,
          id_token: await new SignJWT({ ...claims, aud: process.env.WRONG_AUDIENCE })
            .setProtectedHeader({ alg: 'RS256', kid: 'provnyckel' })
            .sign(privateKey),
        };
      }
    });
  }
  server.on('request', provider.callback());
  console.log(`oidc-provider lyssnar på ${issuer}`);
});
