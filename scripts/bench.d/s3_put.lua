-- wrk script for scripts/bench s3: PUT a 4 KiB body over presigned URLs.
-- Usage: wrk -t N ... -s s3_put.lua http://HOST:PORT/ -- PATHS_FILE N
-- PATHS_FILE holds one presigned path (path + query) per line, each for its own key: wrk
-- thread i of n takes lines i, i+n, i+2n, ... and goes round them, so no two connections
-- overwrite one key at the same moment (moto 5.2.1 answers 500 "I/O operation on closed
-- file" to concurrent PUTs of one key). Presigned PUTs sign UNSIGNED-PAYLOAD, so each URL
-- can be PUT again and again. Requests are formatted once; wrk adds Content-Length.
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local requests, next_index = {}, 1

function init(args)
  local n = tonumber(args[2] or "1")
  local body = string.rep("m", 4096)
  local headers = { ["Content-Type"] = "application/octet-stream" }
  local line_no = 0
  for path in io.lines(args[1]) do
    if line_no % n == (id or 0) then
      table.insert(requests, wrk.format("PUT", path, headers, body))
    end
    line_no = line_no + 1
  end
  if #requests == 0 then error("s3_put.lua: no paths for thread " .. tostring(id)) end
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end
