"""The Redis side of distributed workers: key names and the Lua scripts that change them atomically.

Keys of one spider's run, under `<ARCHIVE_REDIS_PREFIX>:<spider>:`:

    requests          ZSET  the shared request queue (scrapy-redis PriorityQueue: score = -priority)
    dupefilter        SET   request fingerprints seen in this run (ArticleIdDupeFilter: archive id for articles)
    workers           SET   worker ids that joined and have not left
    worker:<id>       STRING  "busy" / "idle", expiring after ARCHIVE_REDIS_WORKER_TTL_SECONDS: alive while present
    inflight:<id>     HASH  token -> "<score>\\n<request>": requests the worker took and has not finished
    inflight-seq      STRING  token counter

A request leaves Redis only when a worker has finished it (its items durably written and
claimed): taking it moves it from `requests` to the worker's `inflight` hash, finishing it
deletes it there. The requests of a worker whose key expired (killed) go back to the queue.
Scripts build key names from the prefix they are given, so they need one Redis, not Cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

# Moves the in-flight requests of every dead member of the workers set (but ARGV[1]'s) back into
# the queue and forgets the member; leaves `live` = the number of live members. Uses KEYS[1]
# (workers), KEYS[3] (queue), ARGV[1] (own id), ARGV[3] (worker key prefix), ARGV[4] (inflight prefix).
_REQUEUE_DEAD = """
local live, moved = 0, 0
for _, w in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[3] .. w) == 1 then
    live = live + 1
  else
    for _, v in ipairs(redis.call('HVALS', ARGV[4] .. w)) do
      local cut = string.find(v, '\\n', 1, true)
      redis.call('ZADD', KEYS[3], tonumber(string.sub(v, 1, cut - 1)), string.sub(v, cut + 1))
      moved = moved + 1
    end
    redis.call('DEL', ARGV[4] .. w)
    redis.call('SREM', KEYS[1], w)
  end
end
"""

# KEYS: workers, own key, queue, dupefilter. ARGV: own id, TTL ms, worker key prefix, inflight prefix.
# -1 if this id is alive already; else {live others, requeued}. With no live worker a new run starts:
# the dupefilter is emptied so that everything not stored can be found again; the queue is kept.
JOIN = (
    "if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end\n"
    + _REQUEUE_DEAD
    + """
if live == 0 then redis.call('DEL', KEYS[4]) end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], 'busy', 'PX', ARGV[2])
return {live, moved}
"""
)

# KEYS, ARGV as JOIN. Returns how many requests of dead workers went back to the queue.
REQUEUE = _REQUEUE_DEAD + "return moved\n"

# KEYS: workers, own key, queue, dupefilter, own inflight. ARGV: own id, worker key prefix, "1" if finished.
# A worker that did not finish (shutdown) puts its unfinished requests back. The last one out ends the run.
LEAVE = """
if ARGV[3] ~= '1' then
  for _, v in ipairs(redis.call('HVALS', KEYS[5])) do
    local cut = string.find(v, '\\n', 1, true)
    redis.call('ZADD', KEYS[3], tonumber(string.sub(v, 1, cut - 1)), string.sub(v, cut + 1))
  end
end
redis.call('DEL', KEYS[5], KEYS[2])
redis.call('SREM', KEYS[1], ARGV[1])
for _, w in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[2] .. w) == 1 then return 0 end
end
redis.call('DEL', KEYS[4])
return 1
"""

# KEYS: queue, own key, own inflight, inflight-seq. ARGV: TTL ms. Returns {token, request} or nil.
# Taking a request, recording it in flight and saying "busy" is one step, so no other worker
# can see the queue empty and this worker idle while it holds a request.
POP = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if not found[1] then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
local token = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[3], token, found[2] .. '\\n' .. found[1])
redis.call('SET', KEYS[2], 'busy', 'PX', ARGV[1])
return {token, found[1]}
"""


@dataclass(frozen=True)
class RunKeys:
    """Key names of one worker in one spider's run."""

    prefix: str
    spider: str
    worker: str
    queue: str
    dupefilter: str

    @property
    def base(self) -> str:
        return f"{self.prefix}:{self.spider}:"

    @property
    def workers(self) -> str:
        return self.base + "workers"

    @property
    def worker_prefix(self) -> str:
        return self.base + "worker:"

    @property
    def inflight_prefix(self) -> str:
        return self.base + "inflight:"

    @property
    def own(self) -> str:
        return self.worker_prefix + self.worker

    @property
    def own_inflight(self) -> str:
        return self.inflight_prefix + self.worker

    def join_keys(self) -> list[str]:
        return [self.workers, self.own, self.queue, self.dupefilter]

    def join_args(self, ttl_ms: int) -> list[str | int]:
        return [self.worker, ttl_ms, self.worker_prefix, self.inflight_prefix]
