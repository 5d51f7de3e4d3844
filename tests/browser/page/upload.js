// The page's behaviour. Every outcome lands in the DOM (an <output> with data-state idle |
// working | done | failed, data-http-status, data-error-name, data-code) where the test,
// and a person looking at the screenshot, can read it.
const $ = (id) => document.getElementById(id);

function begin(output) {
  output.dataset.state = 'working';
  for (const key of ['httpStatus', 'errorName', 'code']) delete output.dataset[key];
  output.value = 'working';
}

function finish(output, state, text, details = {}) {
  Object.assign(output.dataset, details);
  output.dataset.state = state;
  output.value = text;
}

// fetch rejects with a TypeError when CORS forbids the request (a refused preflight, or a
// response without Access-Control-Allow-Origin): the page learns nothing else.
function failWithException(output, err) {
  finish(output, 'failed', `${err.name}: ${err.message}`, { errorName: err.name });
}

// An S3 error answer's <Code> and <Message>, readable only when the error response carries
// CORS headers too.
async function failWithResponse(output, res) {
  const text = await res.text();
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '';
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 200);
  finish(output, 'failed', `${res.status} ${code} ${message}`.trim(), { httpStatus: String(res.status), code });
}

function selectedPhoto(input) {
  const file = input.files[0];
  if (!file) throw new Error('choose a photo first');
  return file;
}

// The original app's first step: POST {extension} to the API with the user's access token;
// the answer is {url} (a presigned PUT URL) or, on a bad token, 401 {message}.
async function presign() {
  const status = $('presign-status');
  begin(status);
  $('put-url').value = '';
  try {
    const file = selectedPhoto($('photo'));
    const extension = file.name.split('.').pop().toLowerCase();
    const res = await fetch($('api').value + $('route').value, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${$('token').value}`,
        Accept: 'application/json',
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ extension }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      finish(status, 'failed', `${res.status} ${body.message ?? ''}`.trim(), { httpStatus: String(res.status) });
      return null;
    }
    $('put-url').value = body.url;
    finish(status, 'done', `${res.status}`, { httpStatus: String(res.status) });
    return body.url;
  } catch (err) {
    failWithException(status, err);
    return null;
  }
}

// The second step, as Cruddur's ProfileForm does it: PUT the file itself with its type.
// The ETag is readable only because the bucket's CORS rule exposes it.
async function upload() {
  const status = $('put-status');
  const url = $('put-url').value || (await presign());
  begin(status);
  $('put-etag').value = '';
  if (!url) {
    finish(status, 'failed', 'no upload URL');
    return;
  }
  try {
    const file = selectedPhoto($('photo'));
    const res = await fetch(url, {
      method: 'PUT',
      body: file,
      headers: { 'Content-Type': $('content-type').value || file.type },
    });
    if (!res.ok) {
      await failWithResponse(status, res);
      return;
    }
    $('put-etag').value = res.headers.get('ETag') ?? '';
    finish(status, 'done', `${res.status}`, { httpStatus: String(res.status) });
  } catch (err) {
    failWithException(status, err);
  }
}

function postForm() {
  return JSON.parse($('post-policy').value);
}

// A native form submission: the form's fields come first, the file last (S3 ignores
// fields after the file). The browser navigates to S3's answer (or its redirect).
function prepareNativeSubmit(event) {
  try {
    const { url, fields } = postForm();
    const form = $('post-form');
    form.action = url;
    const holder = $('post-fields');
    holder.replaceChildren();
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = value;
      holder.append(input);
    }
    begin($('post-status'));
  } catch (err) {
    event.preventDefault();
    failWithException($('post-status'), err);
  }
}

// The same form sent with fetch: a CORS request, so the bucket's rule must allow POST.
async function postWithFetch() {
  const status = $('post-status');
  begin(status);
  $('post-etag').value = '';
  $('post-key').value = '';
  try {
    const { url, fields } = postForm();
    const data = new FormData();
    for (const [name, value] of Object.entries(fields)) data.append(name, value);
    data.append('file', selectedPhoto($('post-file')));
    const res = await fetch(url, { method: 'POST', body: data });
    if (!res.ok) {
      await failWithResponse(status, res);
      return;
    }
    const text = await res.text();
    $('post-etag').value = res.headers.get('ETag') ?? '';
    $('post-key').value = /<Key>([^<]*)<\/Key>/.exec(text)?.[1] ?? '';
    finish(status, 'done', `${res.status}`, { httpStatus: String(res.status) });
  } catch (err) {
    failWithException(status, err);
  }
}

$('photo').addEventListener('change', () => {
  const file = $('photo').files[0];
  if (file) $('preview').src = URL.createObjectURL(file);
});
$('presign').addEventListener('click', presign);
$('upload').addEventListener('click', upload);
$('post-form').addEventListener('submit', prepareNativeSubmit);
$('post-fetch').addEventListener('click', postWithFetch);
document.body.dataset.ready = 'true';
