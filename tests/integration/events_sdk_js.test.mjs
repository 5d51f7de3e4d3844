// The default stack's pipeline driven by aws-sdk-js v3: a PutObject (and a lib-storage
// Upload, which is a plain PutObject for small bodies) to the uploads bucket makes a
// 512x512 JPEG avatar appear in assets.cruddur.com/avatars/, byte-identical to what
// `minicloud process` makes of the same file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

import { BIN, MiniCloud, ROOT, jpegSize } from './harness.mjs';

const UPLOADS = 'cruddur-uploaded-avatars';
const ASSETS = 'assets.cruddur.com';
const LANDSCAPE = path.join(ROOT, 'fixtures', 'images', 'landscape.jpg');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));


async function waitForObject(s3, bucket, key, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return { contentType: got.ContentType, body: Buffer.from(await got.Body.transformToByteArray()) };
    } catch (err) {
      if (err.name !== 'NoSuchKey' || Date.now() > deadline) throw err;
      await sleep(50);
    }
  }
}

describe('the pipeline with aws-sdk-js v3', () => {
  let mc;
  let s3;
  const original = readFileSync(LANDSCAPE);
  const reference = execFileSync(BIN, ['process', LANDSCAPE, '-']);

  before(async () => {
    mc = await new MiniCloud().start();
    s3 = await mc.s3Client();
  });
  after(async () => {
    await mc.stop();
  });

  test('PutObject -> 512x512 avatar equal to minicloud process', async () => {
    await s3.send(new PutObjectCommand({ Bucket: UPLOADS, Key: 'sdk js.jpg', Body: original, ContentType: 'image/jpeg' }));
    const avatar = await waitForObject(s3, ASSETS, 'avatars/sdk js.jpg');
    assert.equal(avatar.contentType, 'image/jpeg');
    assert.deepEqual(jpegSize(avatar.body), [512, 512]);
    assert.ok(avatar.body.equals(reference), 'differs from `minicloud process` of the same input');
  });

  test('lib-storage Upload -> avatar', async () => {
    await new Upload({ client: s3, params: { Bucket: UPLOADS, Key: 'uploaded-with-lib-storage.jpg', Body: original } }).done();
    const avatar = await waitForObject(s3, ASSETS, 'avatars/uploaded-with-lib-storage.jpg');
    assert.ok(avatar.body.equals(reference));
  });
});
