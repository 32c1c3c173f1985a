// A real OpenID provider for arena's sign-in tests: node-oidc-provider (OpenID Certified),
// its code flow with PKCE required, one confidential client and three accounts. Run by
// tests/oidc/fixture.py: `node provider.mjs` with OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and
// OIDC_REDIRECT_URIS (comma-separated) in the environment (and OIDC_CONFORM=1 to keep the
// e-mail claims out of the ID token); it listens on a free loopback
// port and prints one JSON line {"issuer": ...} when it is ready.
//
// What is ours (test scaffolding only): the login page (choose an account, no password)
// that also grants the consent, and POST /test/tamper, which makes the provider's *next*
// token response carry a wrong ID token (bad signature, another key, wrong aud, iss,
// nonce, or expired), re-signed where needed with the provider's own key, so the tests
// can show the arena refuses each.

import http from "node:http";
import * as jose from "jose";
import Provider from "oidc-provider";

const ACCOUNTS = {
  alice: { email: "alice@school.example", email_verified: true },
  carol: { email: "Carol@SCHOOL.example", email_verified: true },
  mallory: { email: "mallory@elsewhere.example", email_verified: true },
  unverified: { email: "bob@school.example", email_verified: false },
};

const clientId = process.env.OIDC_CLIENT_ID;
const clientSecret = process.env.OIDC_CLIENT_SECRET;
const redirectUris = (process.env.OIDC_REDIRECT_URIS || "").split(",").filter(Boolean);
if (!clientId || !clientSecret || redirectUris.length === 0) {
  console.error("set OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_REDIRECT_URIS");
  process.exit(2);
}

const KID = "arena-test-key";
const { privateKey } = await jose.generateKeyPair("RS256", { extractable: true });
const jwk = { ...(await jose.exportJWK(privateKey)), kid: KID, alg: "RS256", use: "sig" };
const other = (await jose.generateKeyPair("RS256")).privateKey; // never published

let handle = null;
const server = http.createServer((req, res) => handle(req, res));
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: redirectUris,
    response_types: ["code"],
    grant_types: ["authorization_code"],
    token_endpoint_auth_method: "client_secret_basic",
  }],
  jwks: { keys: [jwk] },
  pkce: { required: () => true }, // a request without a code_challenge is refused
  // The e-mail claims in the ID token, as Google's; OIDC_CONFORM=1 keeps them to the
  // UserInfo endpoint, as the spec lets a provider do when it issues an access token.
  conformIdTokenClaims: process.env.OIDC_CONFORM === "1",
  claims: { openid: ["sub"], email: ["email", "email_verified"] },
  scopes: ["openid", "email"],
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ["arena-test-cookie-key-0123456789"] },
  async findAccount(_ctx, id) {
    if (!ACCOUNTS[id]) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...ACCOUNTS[id] }) };
  },
});

let tamper = null; // applied to the next token response only

async function resign(token, change, key = privateKey) {
  const claims = { ...jose.decodeJwt(token), ...change };
  return new jose.SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: KID }).sign(key);
}

const TAMPER = {
  signature: async (t) => {
    const [h, p, s] = t.split(".");
    const flipped = (s[10] === "A" ? "B" : "A");
    return `${h}.${p}.${s.slice(0, 10)}${flipped}${s.slice(11)}`;
  },
  foreign_key: (t) => resign(t, {}, other),
  aud: (t) => resign(t, { aud: "someone-else" }),
  iss: (t) => resign(t, { iss: "http://127.0.0.1:1/evil" }),
  nonce: (t) => resign(t, { nonce: "not-the-one-sent" }),
  expired: (t) => {
    const now = Math.floor(Date.now() / 1000);
    return resign(t, { iat: now - 7200, exp: now - 3600 });
  },
};

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === "/token" && tamper && ctx.body && ctx.body.id_token) {
    const how = tamper;
    tamper = null;
    ctx.body = { ...ctx.body, id_token: await TAMPER[how](ctx.body.id_token) };
  }
});

const callback = provider.callback();

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = "";
    req.on("data", (chunk) => { data += chunk; });
    req.on("end", () => resolve(new URLSearchParams(data)));
    req.on("error", reject);
  });
}

function send(res, status, body, type = "text/html; charset=utf-8") {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

handle = async (req, res) => {
  const url = new URL(req.url, issuer);
  try {
    const m = url.pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (m && req.method === "GET" && !m[2]) {
      const details = await provider.interactionDetails(req, res);
      const options = Object.keys(ACCOUNTS).map((a) => `<option value="${a}">${a} (${ACCOUNTS[a].email})</option>`);
      return send(res, 200, `<!doctype html><html><head><title>Test provider sign-in</title></head>
<body><h1>Test provider</h1><p>Signing in to ${details.params.client_id}</p>
<form method="post" action="/interaction/${details.uid}/login">
<label>Account <select name="login" id="account">${options.join("")}</select></label>
<button type="submit" id="sign-in">Sign in</button></form></body></html>`);
    }
    if (m && req.method === "POST" && m[2]) {
      const details = await provider.interactionDetails(req, res);
      const accountId = (await readBody(req)).get("login");
      if (!ACCOUNTS[accountId]) return send(res, 400, "unknown account", "text/plain");
      const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
      grant.addOIDCScope("openid email");
      const grantId = await grant.save();
      return await provider.interactionFinished(req, res,
        { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
    }
    if (url.pathname === "/test/tamper" && req.method === "POST") {
      const how = (await readBody(req)).get("how");
      if (!TAMPER[how]) return send(res, 400, "unknown tamper", "text/plain");
      tamper = how;
      return send(res, 200, "{}", "application/json");
    }
  } catch (err) {
    return send(res, 500, String(err && err.message), "text/plain");
  }
  return callback(req, res);
};

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on("SIGTERM", () => server.close(() => process.exit(0)));
