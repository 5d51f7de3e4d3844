// A Lambda handler written like the original ThumbLambda (aws-sdk-js v3, `new S3Client()`
// with no options, GetObject then PutObject), run by minicloud as a `command` function:
// the event JSON arrives on stdin. No sharp: the "processing" copies the bytes, so the
// test needs nothing from npm beyond @aws-sdk/client-s3.
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import path from "node:path";

const client = new S3Client();

export const handler = async (event) => {
  for (const record of event.Records) {
    const srcBucket = record.s3.bucket.name;
    const srcKey = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    const dstBucket = process.env.DEST_BUCKET_NAME;
    const folderOutput = process.env.FOLDER_OUTPUT;
    const filename = path.parse(srcKey).name;
    const dstKey = `${folderOutput}/${filename}.jpg`;

    const original = await client.send(new GetObjectCommand({ Bucket: srcBucket, Key: srcKey }));
    const bytes = Buffer.from(await original.Body.transformToByteArray());
    await client.send(new PutObjectCommand({ Bucket: dstBucket, Key: dstKey, Body: bytes, ContentType: "image/jpeg" }));
    console.log(`wrote s3://${dstBucket}/${dstKey} (${bytes.length} bytes)`);
  }
};

// minicloud's command protocol: the event on stdin, exit 0 on success.
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
await handler(JSON.parse(Buffer.concat(chunks).toString("utf8")));
