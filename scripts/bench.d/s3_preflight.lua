-- wrk script for scripts/bench s3: a browser's CORS preflight for a cross-origin PUT.
-- Usage: wrk ... -s s3_preflight.lua http://HOST:PORT/bucket/key -- ORIGIN METHOD HEADERS
-- (wrk has no option for the method; the request is formatted once, wrk adds Host).
local request_text

function init(args)
  request_text = wrk.format("OPTIONS", nil, {
    ["Origin"] = args[1],
    ["Access-Control-Request-Method"] = args[2],
    ["Access-Control-Request-Headers"] = args[3],
  })
end

function request()
  return request_text
end
