-- wrk script for the pipelined load of `cargo xtask bench http`:
-- every write carries DEPTH copies of the default GET request (16 unless
-- given after `--` on the wrk command line), so each connection keeps that
-- many requests in flight. wrk counts every response as one request.
local batch

init = function(args)
   local depth = tonumber(args[1]) or 16
   local requests = {}
   for i = 1, depth do
      requests[i] = wrk.format()
   end
   batch = table.concat(requests)
end

request = function()
   return batch
end
