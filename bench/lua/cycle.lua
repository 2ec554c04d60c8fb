-- Sends the requests listed in a file, one per line, in turn; each thread starts elsewhere.
-- A line: METHOD <tab> PATH <tab> BODY <tab> "Header: value" <tab> ...
local prepared = {}
local next_index = 1
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

function init(args)
  for line in io.lines(args[1]) do
    local fields = {}
    for field in (line .. "\t"):gmatch("([^\t]*)\t") do
      table.insert(fields, field)
    end
    local headers = {}
    for i = 4, #fields do
      local name, value = fields[i]:match("^([^:]+):%s*(.*)$")
      if name then headers[name] = value end
    end
    local body = fields[3] ~= "" and fields[3] or nil
    table.insert(prepared, wrk.format(fields[1], fields[2], headers, body))
  end
  next_index = ((thread_number or 1) * 7919) % #prepared + 1
end

function request()
  local chosen = prepared[next_index]
  next_index = next_index % #prepared + 1
  return chosen
end
