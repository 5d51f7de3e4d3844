// The browser upload flow in a real Chromium (issue 4): the test page (tests/browser/page/)
// is served from http://localhost:PAGE while S3 and the presign route are addressed as
// http://127.0.0.1:S3, so every request the page makes is cross-origin and CORS decides.
//
// - presigned PUT the way the original app does it: token -> presign route -> PUT the photo
//   with its Content-Type -> ETag read through ExposeHeaders; the object checked with
//   aws-sdk-js, the avatar the pipeline makes of it too; a screenshot saved.
// - form POST with a policy from @aws-sdk/s3-presigned-post: a native form submission
//   (success_action_redirect back to the page's origin) and fetch(FormData).
// - refused: a bad token, an origin not in the bucket's rules (preflight 403 -> TypeError),
//   an expired URL, a tampered Content-Type, a POST outside the policy. Nothing stored.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';

import { MiniCloud, ROOT, jpegSize } from '../integration/harness.mjs';
import { launchChromium, outputDir, startPageServer } from './browser.mjs';

const UPLOADS = 'cruddur-uploaded-avatars';
const ASSETS = 'assets.cruddur.com';
const PHOTO = path.join(ROOT, 'fixtures', 'images', 'landscape.jpg');
const PHOTO_BYTES = readFileSync(PHOTO);
const JWT_SECRET = 'browser-test-secret';
const ROUTE = '/avatars/key_upload';
const BRIEF_ROUTE = '/avatars/key_upload_brief'; // URLs valid for 1 s
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The default stack's shape (uploads bucket with the original CORS rule, assets bucket, the
// image processor on uploads), with the page's origins instead of localhost:3000.
function browserStack({ allowed, wildcard, unlisted }) {
  const route = (path, expires_s) => ({
    method: 'POST',
    path: `/_api${path}`,
    bucket: UPLOADS,
    key: '{sub}.{extension}',
    expires_s,
    cors_origins: [allowed, wildcard, unlisted],
    auth: { hs256_secret: JWT_SECRET },
  });
  return {
    buckets: [
      {
        name: UPLOADS,
        acl: 'private',
        cors: [
          {
            AllowedOrigins: [allowed, wildcard],
            AllowedMethods: ['PUT', 'POST'],
            AllowedHeaders: ['*'],
            ExposeHeaders: ['x-amz-server-side-encryption', 'x-amz-request-id', 'x-amz-id-2', 'ETag'],
            MaxAgeSeconds: 3000,
          },
        ],
      },
      { name: ASSETS, acl: 'private' },
    ],
    functions: [
      {
        name: 'ThumbLambda',
        builtin: 'image-processor',
        environment: {
          DEST_BUCKET_NAME: ASSETS,
          FOLDER_INPUT: '',
          FOLDER_OUTPUT: 'avatars',
          PROCESS_WIDTH: '512',
          PROCESS_HEIGHT: '512',
        },
      },
    ],
    notifications: [{ bucket: UPLOADS, function: 'ThumbLambda', events: ['s3:ObjectCreated:Put'] }],
    presign_routes: [route(ROUTE, 300), route(BRIEF_ROUTE, 1)],
  };
}


// When a presigned URL stops working: X-Amz-Date + X-Amz-Expires, in ms since the epoch.
function expiryOf(url) {
  const query = new URL(url).searchParams;
  const d = query.get('X-Amz-Date');
  const signedAt = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
  return signedAt + Number(query.get('X-Amz-Expires')) * 1000;
}

describe('browser uploads from another origin (Chromium + playwright-core)', () => {
  let site;
  let mc;
  let s3;
  let browser;
  let origins;
  const screenshots = outputDir();

  before(async () => {
    site = await startPageServer();
    origins = {
      allowed: site.origin('localhost'),
      wildcard: `http://*.localhost:${site.port}`, // Chromium resolves *.localhost to loopback
      unlisted: site.origin('127.0.0.1'), // in the route's origins, not the bucket's rules
    };
    mc = await new MiniCloud({ stack: browserStack(origins) }).start();
    s3 = await mc.s3Client();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await mc?.stop();
  });

  // A fresh browser context (no cached preflights, no cookies) with the page loaded from
  // `origin`, its API endpoint and token filled in and the photo chosen.
  async function openUploadPage(t, origin, { token, route = ROUTE, photo = PHOTO } = {}) {
    const context = await browser.newContext();
    t.after(() => context.close());
    const page = await context.newPage();
    await page.goto(`${origin}/upload.html`);
    await page.waitForSelector('body[data-ready=true]');
    await page.fill('#api', mc.api ?? `${mc.endpoint}/_api`);
    await page.fill('#route', route);
    if (token !== undefined) await page.fill('#token', token);
    await page.setInputFiles('#photo', photo);
    await page.setInputFiles('#post-file', photo);
    return page;
  }

  // Waits until the <output id=...> has settled, then returns what it says.
  async function outcome(page, id) {
    const output = page.locator(`#${id}`);
    await page.waitForSelector(`#${id}:is([data-state=done], [data-state=failed])`, { timeout: 30000 });
    const data = await output.evaluate((el) => ({ ...el.dataset }));
    return { ...data, text: await output.textContent() };
  }

  async function screenshot(page, name) {
    const file = path.join(screenshots, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    const png = readFileSync(file);
    assert.ok(statSync(file).size > 0, `${file} is empty`);
    assert.ok(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${file} is not a PNG`);
    return file;
  }

  async function head(key) {
    return s3.send(new HeadObjectCommand({ Bucket: UPLOADS, Key: key }));
  }

  async function assertNotStored(key) {
    await assert.rejects(head(key), (err) => err.name === 'NotFound', `${key} was stored`);
  }

  async function assertStoredPhoto(key, etag) {
    const got = await s3.send(new GetObjectCommand({ Bucket: UPLOADS, Key: key }));
    const body = Buffer.from(await got.Body.transformToByteArray());
    assert.equal(got.ETag, etag, 'the ETag the browser saw differs from the stored object');
    assert.equal(got.ContentType, 'image/jpeg');
    assert.equal(got.ContentLength, PHOTO_BYTES.length);
    assert.ok(body.equals(PHOTO_BYTES), 'the stored object is not the photo');
  }

  async function waitForAvatar(key, timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const got = await s3.send(new GetObjectCommand({ Bucket: ASSETS, Key: key }));
        return Buffer.from(await got.Body.transformToByteArray());
      } catch (err) {
        if (err.name !== 'NoSuchKey' || Date.now() > deadline) throw err;
        await sleep(50);
      }
    }
  }

  test('presigned PUT from the page: 200, ETag exposed, object stored, avatar made', async (t) => {
    const sub = randomUUID();
    const page = await openUploadPage(t, origins.allowed, { token: mc.token(sub) });
    await page.click('#upload');

    const presigned = await outcome(page, 'presign-status');
    assert.equal(presigned.state, 'done', presigned.text);
    const put = await outcome(page, 'put-status');
    assert.equal(put.state, 'done', put.text);
    assert.equal(put.httpStatus, '200');

    // The URL is on the host the page called, for {sub}.{extension}, and signs the type.
    const url = new URL(await page.textContent('#put-url'));
    assert.equal(url.host, new URL(mc.endpoint).host);
    assert.equal(url.pathname, `/${UPLOADS}/${sub}.jpg`);
    assert.ok(url.searchParams.get('X-Amz-SignedHeaders').split(';').includes('content-type'), url.href);
    assert.equal(url.searchParams.get('X-Amz-Expires'), '300');

    const etag = await page.textContent('#put-etag');
    assert.match(etag, /^"[0-9a-f]{32}"$/, 'ETag not readable by the page (ExposeHeaders)');
    await screenshot(page, 'presigned-put');

    await assertStoredPhoto(`${sub}.jpg`, etag);
    const avatar = await waitForAvatar(`avatars/${sub}.jpg`);
    assert.deepEqual(jpegSize(avatar), [512, 512]);
  });

  test('presigned PUT from a wildcard origin (http://*.localhost:PORT, like https://*.gitpod.io)', async (t) => {
    const sub = randomUUID();
    const page = await openUploadPage(t, site.origin('avatars.localhost'), { token: mc.token(sub) });
    await page.click('#upload');
    const put = await outcome(page, 'put-status');
    assert.equal(put.state, 'done', put.text);
    await assertStoredPhoto(`${sub}.jpg`, await page.textContent('#put-etag'));
  });

  test('form POST (native submission) with a policy: redirected back with bucket, key, etag', async (t) => {
    const sub = randomUUID();
    const done = `${origins.allowed}/done.html`;
    const form = await createPresignedPost(s3, {
      Bucket: UPLOADS,
      Key: `form/${sub}/\${filename}`,
      Conditions: [['content-length-range', 1, 10 * 1024 * 1024]],
      Fields: { 'Content-Type': 'image/jpeg', success_action_redirect: done },
      Expires: 300,
    });
    const page = await openUploadPage(t, origins.allowed);
    await page.fill('#post-policy', JSON.stringify(form));
    await Promise.all([page.waitForURL(`${done}?**`), page.click('#post-submit')]);
    await page.waitForSelector('body[data-ready=true]');

    const key = `form/${sub}/${path.basename(PHOTO)}`;
    assert.equal(await page.textContent('#bucket'), UPLOADS);
    assert.equal(await page.textContent('#key'), key);
    const etag = await page.textContent('#etag');
    assert.match(etag, /^"[0-9a-f]{32}"$/);
    await screenshot(page, 'form-post');
    await assertStoredPhoto(key, etag);
  });

  test('form POST with fetch(FormData): 201, ETag exposed, object stored', async (t) => {
    const key = `form-fetch/${randomUUID()}.jpg`;
    const form = await createPresignedPost(s3, {
      Bucket: UPLOADS,
      Key: key,
      Conditions: [['content-length-range', 1, 10 * 1024 * 1024]],
      Fields: { 'Content-Type': 'image/jpeg', success_action_status: '201' },
      Expires: 300,
    });
    const page = await openUploadPage(t, origins.allowed);
    await page.fill('#post-policy', JSON.stringify(form));
    await page.click('#post-fetch');
    const post = await outcome(page, 'post-status');
    assert.equal(post.state, 'done', post.text);
    assert.equal(post.httpStatus, '201');
    assert.equal(await page.textContent('#post-key'), key);
    const etag = await page.textContent('#post-etag');
    assert.match(etag, /^"[0-9a-f]{32}"$/, 'ETag not readable by the page (ExposeHeaders)');
    await assertStoredPhoto(key, etag);
  });

  test('a bad token: the page reads 401 and the message (CORS headers on the error)', async (t) => {
    const page = await openUploadPage(t, origins.allowed, { token: 'not-a-jwt' });
    await page.click('#presign');
    const presigned = await outcome(page, 'presign-status');
    assert.equal(presigned.state, 'failed');
    assert.equal(presigned.httpStatus, '401', presigned.text);
    assert.match(presigned.text, /^401 \S/, 'no message in the 401 answer');
    assert.equal(await page.textContent('#put-url'), '');
  });

  test('an origin not in the bucket rules: preflight 403, fetch TypeError, nothing stored', async (t) => {
    const sub = randomUUID();
    const page = await openUploadPage(t, origins.unlisted, { token: mc.token(sub) });
    await page.click('#upload');
    const presigned = await outcome(page, 'presign-status');
    assert.equal(presigned.state, 'done', `the route allows ${origins.unlisted}: ${presigned.text}`);
    const put = await outcome(page, 'put-status');
    assert.equal(put.state, 'failed');
    assert.equal(put.errorName, 'TypeError', put.text);
    await assertNotStored(`${sub}.jpg`);

    // Why: the preflight Chromium sent is refused, while the same one from the page's
    // allowed origin is answered.
    const url = await page.textContent('#put-url');
    const preflight = (origin) =>
      fetch(url, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' },
      });
    const refused = await preflight(origins.unlisted);
    assert.equal(refused.status, 403);
    const refusal = await refused.text();
    assert.match(refusal, /<Code>AccessForbidden<\/Code>/);
    assert.match(refusal, /CORSResponse: This CORS request is not allowed/);
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
    const allowed = await preflight(origins.allowed);
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get('access-control-allow-origin'), origins.allowed);
    await allowed.arrayBuffer();
  });

  test('an expired URL: 403 AccessDenied "Request has expired", nothing stored', async (t) => {
    const sub = randomUUID();
    const page = await openUploadPage(t, origins.allowed, { token: mc.token(sub), route: BRIEF_ROUTE });
    await page.click('#presign');
    const presigned = await outcome(page, 'presign-status');
    assert.equal(presigned.state, 'done', presigned.text);
    const url = await page.textContent('#put-url');
    assert.equal(new URL(url).searchParams.get('X-Amz-Expires'), '1');
    // The server's clock has whole seconds: wait until a full second past the expiry.
    await sleep(Math.max(0, expiryOf(url) + 1000 - Date.now()));

    await page.click('#upload');
    const put = await outcome(page, 'put-status');
    assert.equal(put.state, 'failed');
    assert.equal(put.httpStatus, '403', put.text);
    assert.equal(put.code, 'AccessDenied');
    assert.match(put.text, /Request has expired/);
    await assertNotStored(`${sub}.jpg`);
  });

  test('a tampered Content-Type (image/png on a URL signed for image/jpeg): 403, nothing stored', async (t) => {
    const sub = randomUUID();
    const page = await openUploadPage(t, origins.allowed, { token: mc.token(sub) });
    await page.fill('#content-type', 'image/png');
    await page.click('#upload');
    const put = await outcome(page, 'put-status');
    assert.equal(put.state, 'failed');
    assert.equal(put.httpStatus, '403', put.text);
    assert.equal(put.code, 'SignatureDoesNotMatch');
    await assertNotStored(`${sub}.jpg`);
  });

  test('a form POST outside its policy (content-length-range): 400 EntityTooLarge, nothing stored', async (t) => {
    const key = `form-fetch/${randomUUID()}.jpg`;
    const form = await createPresignedPost(s3, {
      Bucket: UPLOADS,
      Key: key,
      Conditions: [['content-length-range', 1, 1024]],
      Fields: { 'Content-Type': 'image/jpeg', success_action_status: '201' },
      Expires: 300,
    });
    const page = await openUploadPage(t, origins.allowed);
    await page.fill('#post-policy', JSON.stringify(form));
    await page.click('#post-fetch');
    const post = await outcome(page, 'post-status');
    assert.equal(post.state, 'failed');
    assert.equal(post.httpStatus, '400', post.text);
    assert.equal(post.code, 'EntityTooLarge');
    await assertNotStored(key);
  });
});
