#!/usr/bin/env node
// Local S3-compatible server for scripts/run.sh and scripts/test.sh (started by auction_start_s3 in
// scripts/lib.sh). It is s3rver with two additions:
//  1. The access key pair from the environment (S3_ACCESS_KEY / S3_SECRET_KEY, taken from
//     .run/auction.env, e.g. the design's minioadmin/minioadmin) is accepted besides s3rver's own
//     S3RVER/S3RVER, so the design's .env works unchanged.
//  2. Header-signed AWS Signature V4 requests are verified for real. s3rver 3.7 only looks the key id
//     up and checks that x-amz-content-sha256 is present; a signing bug would then pass locally and fail
//     against AWS or MinIO. The payload itself is not hashed here (s3rver streams it to disk).
//
// Usage: node server.js --address 127.0.0.1 --port 9000 --directory DIR
'use strict';

const crypto = require('crypto');
const S3rver = require('s3rver');
const AWSAccount = require('s3rver/lib/models/account');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const address = arg('address', '127.0.0.1');
const port = Number(arg('port', '9000'));
const directory = arg('directory');
if (!directory) {
  console.error('usage: server.js --directory DIR [--address A] [--port P]');
  process.exit(2);
}

const secrets = new Map([['S3RVER', 'S3RVER']]);
if (process.env.S3_ACCESS_KEY && process.env.S3_SECRET_KEY) {
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(process.env.S3_ACCESS_KEY, process.env.S3_SECRET_KEY);
  secrets.set(process.env.S3_ACCESS_KEY, process.env.S3_SECRET_KEY);
}

const sha256 = data => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();
const rfc3986 = s =>
  encodeURIComponent(s).replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase());

// S3's canonical query: each name and value URI-encoded once, sorted by name then value.
function canonicalQuery(query) {
  if (!query) return '';
  return query
    .split('&')
    .filter(Boolean)
    .map(pair => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      return [rfc3986(decodeURIComponent(name)), rfc3986(decodeURIComponent(value))];
    })
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([n, v]) => `${n}=${v}`)
    .join('&');
}

// null when the request is correctly signed (or not header-signed with V4), else the reason.
function sigV4Problem(req) {
  const auth = req.headers.authorization || '';
  if (!auth.startsWith('AWS4-HMAC-SHA256 ')) return null;
  const fields = {};
  for (const part of auth.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
    const eq = part.indexOf('=');
    fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const { Credential: credential, SignedHeaders: signedHeaders, Signature: signature } = fields;
  if (!credential || !signedHeaders || !signature) return 'malformed Authorization header';
  const [accessKey, date, region, service, terminator] = credential.split('/');
  const secret = secrets.get(accessKey);
  if (secret === undefined) return null; // s3rver itself answers InvalidAccessKeyId
  const amzDate = req.headers['x-amz-date'] || '';
  const payloadHash = req.headers['x-amz-content-sha256'] || '';
  const signed = signedHeaders.split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-content-sha256')) {
    return 'host and x-amz-content-sha256 must be signed';
  }
  const unsigned = Object.keys(req.headers).filter(h => h.startsWith('x-amz-') && !signed.includes(h));
  if (unsigned.length) return `headers present but not signed: ${unsigned.join(',')}`;
  const [path, query] = req.url.split('?', 2);
  const headers = signed
    .map(h => `${h}:${String(req.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [req.method, path, canonicalQuery(query), headers, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/${service}/${terminator}`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${secret}`, date);
  for (const part of [region, service, terminator]) key = hmac(key, part);
  const expected = hmac(key, stringToSign).toString('hex');
  if (expected.length !== signature.length ||
      !crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    return `signature mismatch; canonical request was:\n${canonicalRequest}`;
  }
  return null;
}

const server = new S3rver({ address, port, directory, silent: false });
// Koa composes middleware when the server starts listening, so this runs before s3rver's own.
server.middleware.unshift(async (ctx, next) => {
  const problem = sigV4Problem(ctx.req);
  if (problem) {
    console.error(`rejected ${ctx.method} ${ctx.url}: ${problem}`);
    ctx.status = 403;
    ctx.type = 'application/xml';
    ctx.body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>' +
      '<Message>The request signature we calculated does not match the signature you provided.</Message></Error>';
    return;
  }
  await next();
});

server.run().then(
  () => console.log(`s3rver listening on http://${address}:${port}, data in ${directory}`),
  err => {
    console.error(`s3rver failed to start: ${err.message}`);
    process.exit(1);
  },
);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close().then(() => process.exit(0)));
}
