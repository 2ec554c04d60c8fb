-- The refresh grant as clients use it: each response's new refresh token is used next.
-- Run with one wrk thread (each thread would read the same tokens).
-- args: a file of unused refresh tokens, then the client's Basic credentials (base64).
local queue = {}
local last = nil
local authorization = nil
local checked = false
function init(args)
  authorization = "Basic " .. args[2]
  for line in io.lines(args[1]) do
    if line ~= "" then table.insert(queue, line) end
  end
end

function request()
  if not checked then
    -- wrk calls request() once before the run to check the script: spend no token on it.
    checked = true
    return wrk.format("POST", "/oauth2-token", nil, "")
  end
  local token = table.remove(queue, 1) or last
  last = token
  return wrk.format("POST", "/oauth2-token", {
    ["Authorization"] = authorization,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  if status == 200 then
    local token = body:match('"refresh_token"%s*:%s*"([^"]+)"')
    if token then table.insert(queue, token) end
  end
end
