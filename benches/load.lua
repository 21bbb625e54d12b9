-- wrk script for benches/load.sh: sends the deliveries that `load_server sign` wrote, each
-- with its own webhook-id, so that the idempotency configurations claim a new key every time.
--
--   wrk -s benches/load.lua URL -- DELIVERIES_FILE BODY_FILE THREADS
--
-- Thread k of THREADS sends lines k, k+THREADS, ... of the file, so no two threads share an id.
-- If a thread runs out of lines it starts over (those requests are duplicates); `done` counts
-- them so that load.sh can tell.

local threads = {}
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local ids, stamps, sigs = {}, {}, {}
local n, i = 0, 0
local body
wrapped = 0

function init(args)
   local file, body_file, nthreads = args[1], args[2], tonumber(args[3])
   local f = assert(io.open(body_file, "rb"))
   body = f:read("*a")
   f:close()
   local k = 0
   for line in io.lines(file) do
      if k % nthreads == tid then
         local id, ts, sig = line:match("^([^\t]+)\t([^\t]+)\t(.+)$")
         n = n + 1
         ids[n], stamps[n], sigs[n] = id, ts, sig
      end
      k = k + 1
   end
end

function request()
   i = i + 1
   if i > n then
      i = 1
      wrapped = wrapped + 1
   end
   return wrk.format("POST", nil, {
      ["content-type"] = "application/json",
      ["webhook-id"] = ids[i],
      ["webhook-timestamp"] = stamps[i],
      ["webhook-signature"] = sigs[i],
   }, body)
end

function done(summary, latency, requests)
   local wraps = 0
   for _, t in ipairs(threads) do
      wraps = wraps + (t:get("wrapped") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d duration_us=%d non2xx=%d socket_errors=%d p50_us=%d p99_us=%d wrapped=%d\n",
      summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
      latency:percentile(50), latency:percentile(99), wraps))
end
