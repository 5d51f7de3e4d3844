// sharp as the original Node Lambda calls it, in a loop, for scripts/bench processor.
//   node sharp_loop.mjs [--threads N] [--seconds S] [--out FILE] IMAGE
// N async workers (set UV_THREADPOOL_SIZE=N in the environment: libuv reads it once) each
// await `sharp(buf).resize(512, 512).jpeg().toBuffer()` until S seconds have passed.
// sharp.concurrency(1): one libvips thread per image, so N workers use N cores.
// Prints one JSON line: images, seconds, ms_per_image, images_per_s, max_rss_kb.
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';

function parseArgs(argv) {
  const o = { threads: 1, seconds: 2, out: '', image: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--threads') o.threads = Number(argv[++i]);
    else if (a === '--seconds') o.seconds = Number(argv[++i]);
    else if (a === '--out') o.out = argv[++i];
    else if (!o.image) o.image = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!o.image) throw new Error('usage: node sharp_loop.mjs [--threads N] [--seconds S] [--out FILE] IMAGE');
  return o;
}

// The Lambda's exact call chain.
const lambda = (buf) => sharp(buf).resize(512, 512).jpeg().toBuffer();

async function loop(buf, threads, seconds) {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    do {
      await lambda(buf);
      done++;
    } while (performance.now() < deadline);
  };
  await Promise.all(Array.from({ length: threads }, worker));
  return done;
}

const o = parseArgs(process.argv.slice(2));
sharp.concurrency(1);
// A loop over one image could hit libvips' operation cache, which a Lambda handling distinct
// uploads never does (and minicloud runs with it off): off, so every call does the work.
sharp.cache(false);
const buf = readFileSync(o.image);
const warm = await lambda(buf);
if (o.out) writeFileSync(o.out, warm);
await loop(buf, o.threads, Math.min(0.3, o.seconds / 4));

const start = performance.now();
const images = await loop(buf, o.threads, o.seconds);
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({
  images, seconds: +seconds.toFixed(3),
  ms_per_image: +((1000 * seconds * o.threads) / images).toFixed(2),
  images_per_s: +(images / seconds).toFixed(2),
  max_rss_kb: process.resourceUsage().maxRSS,
  sharp: sharp.versions.sharp, vips: sharp.versions.vips,
}));
