// aws-sdk-js v3 against `minicloud serve`: @aws-sdk/client-s3 (a recent version, which sends
// CRC32 checksums by default and asks for them back), @aws-sdk/lib-storage Upload of a
// 20 MB body (multipart), @aws-sdk/s3-request-presigner URLs used with fetch.
// Every success is asserted on content: bytes, metadata, checksums.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

import { MiniCloud } from './harness.mjs';

const MiB = 1024 * 1024;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32Base64(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}

const md5 = (bytes) => createHash('md5').update(bytes).digest('hex');
const sha256b64 = (bytes) => createHash('sha256').update(bytes).digest('base64');

function pseudoRandom(size, seed) {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let off = 0; off < size; off += 4096) {
    block = createHash('sha512').update(block).digest();
    for (let i = 0; i < 4096 && off + i < size; i += block.length) block.copy(out, off + i);
  }
  return out;
}

function multipartEtag(bytes, partSize) {
  const digests = [];
  for (let off = 0; off < bytes.length; off += partSize)
    digests.push(createHash('md5').update(bytes.subarray(off, off + partSize)).digest());
  return `"${md5(Buffer.concat(digests))}-${digests.length}"`;
}

async function bodyBytes(response) {
  return Buffer.from(await response.Body.transformToByteArray());
}

// Rejects with an S3 error whose Code (error.name in SDK v3) is `code`.
async function assertS3Error(promise, code) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, code, `expected ${code}, got ${err.name}: ${err.message}`);
    return true;
  });
}

async function listKeys(s3, bucket, prefix) {
  const keys = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix }))
    for (const o of page.Contents ?? []) keys.push(o.Key);
  return keys;
}

async function exists(s3, bucket, key) {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if (err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404) return false;
    throw err;
  }
}

describe('aws-sdk-js v3', () => {
  let mc;
  let s3;
  const bucket = 'sdk-js-tests';

  before(async () => {
    mc = new MiniCloud();
    await mc.start();
    s3 = await mc.s3Client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  after(async () => {
    await mc.stop();
  });

  test('ListBuckets includes the new bucket and the default stack ones', async () => {
    const names = (await s3.send(new ListBucketsCommand({}))).Buckets.map((b) => b.Name);
    assert.ok(names.includes(bucket), names.join(','));
    assert.ok(names.includes('cruddur-uploaded-avatars'), names.join(','));
  });

  test('PutObject + GetObject: bytes, metadata, content headers and the default CRC32 round-trip', async () => {
    const body = Buffer.from('héllo from aws-sdk-js v3 ☃\n'.repeat(100), 'utf8');
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'docs/hello.txt',
        Body: body,
        ContentType: 'text/plain; charset=utf-8',
        CacheControl: 'max-age=300',
        ContentDisposition: 'inline',
        ContentLanguage: 'fr',
        Metadata: { owner: 'alice', purpose: 'sdk-js' },
      }),
    );
    assert.equal(put.ETag, `"${md5(body)}"`);
    // The SDK sent a CRC32 of the body (default since 3.729); the server verified and stored it.
    assert.equal(put.ChecksumCRC32, crc32Base64(body));

    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'docs/hello.txt' }));
    assert.deepEqual(await bodyBytes(got), body);
    assert.equal(got.ContentType, 'text/plain; charset=utf-8');
    assert.equal(got.CacheControl, 'max-age=300');
    assert.equal(got.ContentDisposition, 'inline');
    assert.equal(got.ContentLanguage, 'fr');
    assert.equal(got.ContentLength, body.length);
    assert.deepEqual(got.Metadata, { owner: 'alice', purpose: 'sdk-js' });
    assert.equal(got.ETag, put.ETag);
    // The SDK asks for checksums (x-amz-checksum-mode: ENABLED) and validates the body against them.
    assert.equal(got.ChecksumCRC32, crc32Base64(body));

    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'docs/hello.txt', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ContentLength, body.length);
    assert.equal(head.ChecksumCRC32, crc32Base64(body));
    assert.deepEqual(head.Metadata, { owner: 'alice', purpose: 'sdk-js' });
  });

  test('PutObject with a streamed body of unknown length (aws-chunked with a trailing checksum)', async () => {
    const parts = [Buffer.from('first chunk;'), Buffer.alloc(70000, 0x61), Buffer.from(';last chunk')];
    const whole = Buffer.concat(parts);
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'stream.bin', Body: Readable.from(parts), ContentLength: whole.length }),
    );
    assert.equal(put.ETag, `"${md5(whole)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'stream.bin' }));
    assert.deepEqual(await bodyBytes(got), whole);
  });

  test('explicit SHA256 checksum is verified and returned', async () => {
    const body = Buffer.from('sha256 me');
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'sha.txt', Body: body, ChecksumAlgorithm: 'SHA256' }),
    );
    assert.equal(put.ChecksumSHA256, sha256b64(body));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'sha.txt', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ChecksumSHA256, sha256b64(body));
  });

  test('a wrong checksum is refused with BadDigest and stores nothing', async () => {
    await assertS3Error(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'bad-crc.txt', Body: Buffer.from('data'), ChecksumCRC32: 'AAAAAA==' })),
      'BadDigest',
    );
    assert.equal(await exists(s3, bucket, 'bad-crc.txt'), false);
  });

  test('GetObject Range returns exactly the bytes asked for', async () => {
    const body = pseudoRandom(10000, 'range');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'range.bin', Body: body }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'range.bin', Range: 'bytes=1000-1999' }));
    assert.equal(got.$metadata.httpStatusCode, 206);
    assert.equal(got.ContentRange, 'bytes 1000-1999/10000');
    assert.deepEqual(await bodyBytes(got), body.subarray(1000, 2000));
  });

  test('CopyObject with MetadataDirective REPLACE', async () => {
    const body = Buffer.from('copy source');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'copy/src', Body: body, Metadata: { v: '1' } }));
    const copied = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'copy/dst',
        CopySource: `${bucket}/copy/src`,
        MetadataDirective: 'REPLACE',
        ContentType: 'application/x-copied',
        Metadata: { v: '2' },
      }),
    );
    assert.equal(copied.CopyObjectResult.ETag, `"${md5(body)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'copy/dst' }));
    assert.deepEqual(await bodyBytes(got), body);
    assert.equal(got.ContentType, 'application/x-copied');
    assert.deepEqual(got.Metadata, { v: '2' });
  });

  test('ListObjectsV2 paginator, delimiter, and DeleteObjects (which needs a checksum)', async () => {
    const keys = ['list/a', 'list/b/1', 'list/b/2', 'list/c', 'list/d/e/f', 'list/g'];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }));

    const paged = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: bucket, Prefix: 'list/' })) {
      pages += 1;
      assert.ok((page.Contents ?? []).length <= 2);
      for (const o of page.Contents ?? []) paged.push(o.Key);
    }
    assert.deepEqual(paged, keys);
    assert.equal(pages, 3);

    const top = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'list/', Delimiter: '/' }));
    assert.deepEqual(top.Contents.map((o) => o.Key), ['list/a', 'list/c', 'list/g']);
    assert.deepEqual(top.CommonPrefixes.map((p) => p.Prefix), ['list/b/', 'list/d/']);
    assert.equal(top.KeyCount, 5);

    const deleted = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
    );
    assert.deepEqual(deleted.Deleted.map((d) => d.Key).sort(), [...keys].sort());
    assert.deepEqual(deleted.Errors ?? [], []);
    assert.deepEqual(await listKeys(s3, bucket, 'list/'), []);
  });

  test('lib-storage Upload of 20 MB: multipart, with metadata, read back identical', async () => {
    const data = pseudoRandom(20 * MiB, 'sdk-js-20mb');
    const upload = new Upload({
      client: s3,
      params: {
        Bucket: bucket,
        Key: 'big/20mb.bin',
        Body: data,
        ContentType: 'application/octet-stream',
        Metadata: { source: 'lib-storage' },
      },
      partSize: 5 * MiB,
      queueSize: 4,
    });
    const progress = [];
    upload.on('httpUploadProgress', (p) => progress.push(p.loaded));
    const result = await upload.done();
    assert.equal(result.Key, 'big/20mb.bin');
    assert.equal(result.ETag, multipartEtag(data, 5 * MiB)); // 4 parts -> "<md5 of md5s>-4"
    assert.equal(Math.max(...progress), data.length);

    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big/20mb.bin' }));
    assert.equal(head.ContentLength, data.length);
    assert.equal(head.ETag, result.ETag);
    assert.equal(head.ContentType, 'application/octet-stream');
    assert.deepEqual(head.Metadata, { source: 'lib-storage' });

    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big/20mb.bin' }));
    const back = await bodyBytes(got);
    assert.equal(back.length, data.length);
    assert.equal(md5(back), md5(data));
  });

  test('lib-storage Upload of a small stream is a single PutObject', async () => {
    const data = Buffer.from('small upload through lib-storage');
    const result = await new Upload({
      client: s3,
      params: { Bucket: bucket, Key: 'small-upload.txt', Body: Readable.from([data]), ContentType: 'text/plain' },
    }).done();
    assert.equal(result.ETag, `"${md5(data)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'small-upload.txt' }));
    assert.deepEqual(await bodyBytes(got), data);
    assert.equal(got.ContentType, 'text/plain');
  });

  describe('presigned URLs with fetch', () => {
    test('GET: body and content type; a tampered URL is refused', async () => {
      const body = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>');
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'pre/get.svg', Body: body, ContentType: 'image/svg+xml' }));
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'pre/get.svg' }), { expiresIn: 300 });
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/svg+xml');
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), body);

      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'pre/other.svg', Body: 'other' }));
      const tampered = await fetch(url.replace('/pre/get.svg', '/pre/other.svg'));
      assert.equal(tampered.status, 403);
      assert.match(await tampered.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
    });

    test('GET with response-content-type override', async () => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'pre/data.bin', Body: 'payload' }));
      const url = await getSignedUrl(
        s3,
        new GetObjectCommand({
          Bucket: bucket,
          Key: 'pre/data.bin',
          ResponseContentType: 'text/csv',
          ResponseContentDisposition: 'attachment; filename="data.csv"',
        }),
        { expiresIn: 60 },
      );
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/csv');
      assert.equal(res.headers.get('content-disposition'), 'attachment; filename="data.csv"');
      assert.equal(await res.text(), 'payload');
    });

    test('PUT from a client with requestChecksumCalculation WHEN_REQUIRED (the browser-upload setup)', async () => {
      const presigner = await mc.s3Client({ requestChecksumCalculation: 'WHEN_REQUIRED' });
      const body = pseudoRandom(300 * 1024, 'avatar');
      const url = await getSignedUrl(
        presigner,
        new PutObjectCommand({ Bucket: bucket, Key: 'pre/avatar.png', ContentType: 'image/png' }),
        { expiresIn: 300, signableHeaders: new Set(['content-type']) },
      );
      assert.doesNotMatch(url, /x-amz-checksum-/i);
      assert.match(url, /X-Amz-SignedHeaders=content-type%3Bhost/);

      // The signed Content-Type must match.
      const wrongType = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'image/jpeg' } });
      assert.equal(wrongType.status, 403);
      assert.match(await wrongType.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
      assert.equal(await exists(s3, bucket, 'pre/avatar.png'), false);

      const res = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'image/png' } });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get('etag'), `"${md5(body)}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'pre/avatar.png' }));
      assert.deepEqual(await bodyBytes(got), body);
      assert.equal(got.ContentType, 'image/png');
    });

    test('PUT with the body\'s real CRC32 signed into the URL', async () => {
      const body = Buffer.from('checksummed presigned upload');
      const url = await getSignedUrl(
        s3,
        new PutObjectCommand({ Bucket: bucket, Key: 'pre/crc.txt', ChecksumCRC32: crc32Base64(body) }),
        { expiresIn: 300 },
      );
      assert.match(url, /x-amz-checksum-crc32=/i);
      const res = await fetch(url, { method: 'PUT', body });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get('etag'), `"${md5(body)}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'pre/crc.txt' }));
      assert.deepEqual(await bodyBytes(got), body);
    });

    test('PUT from a default client, whose URL carries the CRC32 of an empty body, works as on AWS', async () => {
      // Since 3.729 the SDK computes a CRC32 at presign time, when there is no body yet, and
      // hoists it into the query: x-amz-checksum-crc32=AAAAAA== (crc32 of nothing). S3 does
      // not apply checksum query parameters to presigned uploads ("presigned URLs don't
      // support ... CRC32, CRC32C, SHA-1, SHA-256 when you upload objects"; uploads through
      // such URLs keep working against AWS, LocalStack ignores them for parity), so a browser
      // uploading the real file through this URL must succeed, with the bytes it sent.
      const body = Buffer.from('not empty: the file the browser uploads');
      const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: 'pre/default.txt' }), {
        expiresIn: 300,
      });
      assert.match(url, /x-amz-checksum-crc32=AAAAAA%3D%3D/);
      const res = await fetch(url, { method: 'PUT', body });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get('etag'), `"${md5(body)}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'pre/default.txt' }));
      assert.deepEqual(await bodyBytes(got), body);
    });

    test('an expired URL is refused with AccessDenied', async () => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'pre/expiring.txt', Body: 'x' }));
      const past = new Date(Date.now() - 3600 * 1000);
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'pre/expiring.txt' }), {
        expiresIn: 60,
        signingDate: past,
      });
      const res = await fetch(url);
      assert.equal(res.status, 403);
      const text = await res.text();
      assert.match(text, /<Code>AccessDenied<\/Code>/);
      assert.match(text, /Request has expired/);
    });
  });

  describe('authentication errors', () => {
    test('wrong secret: SignatureDoesNotMatch, nothing stored', async () => {
      const bad = await mc.s3Client({ credentials: { accessKeyId: 'test', secretAccessKey: 'wrong-secret' } });
      await assertS3Error(bad.send(new PutObjectCommand({ Bucket: bucket, Key: 'auth/bad-secret', Body: 'x' })), 'SignatureDoesNotMatch');
      await assertS3Error(bad.send(new ListObjectsV2Command({ Bucket: bucket })), 'SignatureDoesNotMatch');
      assert.equal(await exists(s3, bucket, 'auth/bad-secret'), false);
    });

    test('unknown access key: InvalidAccessKeyId, nothing stored', async () => {
      const bad = await mc.s3Client({ credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'whatever' } });
      await assertS3Error(bad.send(new PutObjectCommand({ Bucket: bucket, Key: 'auth/bad-key', Body: 'x' })), 'InvalidAccessKeyId');
      await assertS3Error(bad.send(new ListBucketsCommand({})), 'InvalidAccessKeyId');
      assert.equal(await exists(s3, bucket, 'auth/bad-key'), false);
    });
  });

  describe('bucket lifecycle', () => {
    test('NoSuchKey, NoSuchBucket, BucketNotEmpty, InvalidBucketName, then delete', async () => {
      const name = 'sdk-js-lifecycle';
      await s3.send(new CreateBucketCommand({ Bucket: name }));
      await assertS3Error(s3.send(new GetObjectCommand({ Bucket: name, Key: 'missing' })), 'NoSuchKey');
      await assertS3Error(s3.send(new GetObjectCommand({ Bucket: 'sdk-js-no-such-bucket', Key: 'k' })), 'NoSuchBucket');
      await assertS3Error(s3.send(new CreateBucketCommand({ Bucket: 'Not_A_Valid_Name' })), 'InvalidBucketName');
      await s3.send(new PutObjectCommand({ Bucket: name, Key: 'k', Body: 'v' }));
      await assertS3Error(s3.send(new DeleteBucketCommand({ Bucket: name })), 'BucketNotEmpty');
      await s3.send(new DeleteObjectCommand({ Bucket: name, Key: 'k' }));
      await s3.send(new DeleteBucketCommand({ Bucket: name }));
      const names = (await s3.send(new ListBucketsCommand({}))).Buckets.map((b) => b.Name);
      assert.ok(!names.includes(name));
    });
  });
});
