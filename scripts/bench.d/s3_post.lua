-- wrk script for scripts/bench s3: a browser form upload (POST object, multipart/form-data)
-- of a 4 KiB file under a presigned POST policy.
-- Usage: wrk -t N ... -s s3_post.lua http://HOST:PORT/bucket -- FIELDS_FILE N KEYS PREFIX
-- FIELDS_FILE holds the policy's form fields, "name<TAB>value" a line (boto3
-- generate_presigned_post; its "key" field is replaced). The body is built per request, as a
-- browser does, with the key PREFIX followed by a number: wrk thread i of n goes round keys
-- i, i+n, i+2n, ... below KEYS, so no two connections write one key at the same moment (moto
-- fails concurrent writes of one key; see s3_put.lua).
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local boundary = "----minicloudbench7MA4YWxkTrZu0gW"
local headers = { ["Content-Type"] = "multipart/form-data; boundary=" .. boundary }
local fields_part, file_part, keys, next_index = "", "", {}, 1

local function part(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n"
      .. value .. "\r\n"
end

function init(args)
  local n, key_count, prefix = tonumber(args[2]), tonumber(args[3]), args[4]
  for line in io.lines(args[1]) do
    local name, value = line:match("^([^\t]+)\t(.*)$")
    if name and name ~= "key" then fields_part = fields_part .. part(name, value) end
  end
  file_part = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"file\"; "
      .. "filename=\"avatar.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
      .. string.rep("m", 4096) .. "\r\n--" .. boundary .. "--\r\n"
  for i = id or 0, key_count - 1, n do
    table.insert(keys, string.format("%s%04d", prefix, i))
  end
  if #keys == 0 then error("s3_post.lua: no keys for thread " .. tostring(id)) end
end

function request()
  local key = keys[next_index]
  next_index = next_index % #keys + 1
  return wrk.format("POST", nil, headers, part("key", key) .. fields_part .. file_part)
end
