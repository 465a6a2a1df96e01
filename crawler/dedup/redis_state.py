"""The dedup state in Redis, for distributed mode: the same `DedupState` semantics as SQLite, shared by every worker.

Keys (all under `<ARCHIVE_REDIS_PREFIX>:state:`, shared by every portal like the SQLite file):

    meta          HASH  state_id, near_num_perm, near_bands_rows
    latest        HASH  id -> "<revision> <content hash>" of its newest stored revision
    revisions     HASH  "<id>\\0<revision>" -> "<content hash> <writer>": who stored each version
    hashes        HASH  content hash -> the id that first stored it
    near:seq      STRING  counter: the "earliest" order of the near-duplicate index
    near:ids      HASH  id -> seq;   near:id_of  HASH seq -> id
    near:sig      HASH  seq -> MinHash signature (bytes);   near:keys  HASH seq -> its band keys
    near:band:<key>  SET  seqs whose signature has this band key

`commit` is one Lua script per batch, so it is atomic across workers: the first worker to
commit an (id, revision) owns it, "earliest" means first committed, and a second commit of
the same (id, revision) changes nothing. `claim` is the same script reporting, per record,
whether this writer owns the version (new, or committed by this writer before: a replay)
or another writer committed it first, in which case the caller must take its copy back
(see `pipelines/__init__.py`). Needs one Redis server (not Cluster: the script builds key
names), with AOF persistence in production (docs/operations.md).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import redis
from scrapy.exceptions import NotConfigured

from crawler.dedup.neardup import Fingerprinter, NearDupParams
from crawler.dedup.state import Revision, StateError, StoredRecord
from crawler.distributed.mode import redis_prefix, worker_id

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

# ARGV: prefix, writer, then 5 values per record: id, revision, content hash, signature ("" = none), band keys.
# Returns one status per record: 1 = newly stored, 0 = this writer stored it before, -1 = another writer did.
_COMMIT = """
local p, writer = ARGV[1], ARGV[2]
local out = {}
for i = 3, #ARGV, 5 do
  local id, rev, hash, sig, keys = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local field = id .. '\\0' .. rev
  local existing = redis.call('HGET', p .. 'revisions', field)
  if existing then
    local owner = string.sub(existing, string.find(existing, ' ', 1, true) + 1)
    out[#out + 1] = (owner == writer) and 0 or -1
  else
    redis.call('HSET', p .. 'revisions', field, hash .. ' ' .. writer)
    local latest = redis.call('HGET', p .. 'latest', id)
    local newest = (not latest) or rev > tonumber(string.match(latest, '^(%-?%d+)'))
    if newest then redis.call('HSET', p .. 'latest', id, rev .. ' ' .. hash) end
    redis.call('HSETNX', p .. 'hashes', hash, id)
    -- Replayed records may arrive out of revision order; the index follows the newest text only.
    if sig ~= '' and newest then
      local seq = redis.call('HGET', p .. 'near:ids', id)
      if seq then
        -- A revision keeps the article's place in the "earliest" order but replaces its text.
        local old = redis.call('HGET', p .. 'near:keys', seq) or ''
        for key in string.gmatch(old, '[^,]+') do redis.call('SREM', p .. 'near:band:' .. key, seq) end
      else
        seq = redis.call('INCR', p .. 'near:seq')
        redis.call('HSET', p .. 'near:ids', id, seq)
        redis.call('HSET', p .. 'near:id_of', seq, id)
      end
      redis.call('HSET', p .. 'near:sig', seq, sig)
      redis.call('HSET', p .. 'near:keys', seq, keys)
      for key in string.gmatch(keys, '[^,]+') do redis.call('SADD', p .. 'near:band:' .. key, seq) end
    end
    out[#out + 1] = 1
  end
end
return out
"""


class RedisDedupState:
    """`DedupState` in Redis (see the module docstring for the keys), written as `writer` (the worker id)."""

    def __init__(self, client: redis.Redis, params: NearDupParams, *, writer: str, prefix: str = "archive") -> None:
        self._redis = client
        self.writer = writer
        self.fingerprinter = Fingerprinter(params)
        self.prefix = f"{prefix}:state:"
        self._commit_script = client.register_script(_COMMIT)
        self._state_id = self._init_meta(params)

    @classmethod
    def from_settings(cls, settings: BaseSettings, params: NearDupParams) -> RedisDedupState:
        """The state at ARCHIVE_REDIS_URL, written as this worker (ARCHIVE_WORKER_ID)."""
        url = settings.get("ARCHIVE_REDIS_URL") or ""
        if not url:
            raise NotConfigured("ARCHIVE_DEDUP_BACKEND='redis' needs ARCHIVE_REDIS_URL")
        state = cls.from_url(url, params, writer=worker_id(settings), prefix=redis_prefix(settings))
        logger.info("dedup state: redis %s as writer %s (state id %s)", url, state.writer, state.state_id)
        return state

    @classmethod
    def from_url(cls, url: str, params: NearDupParams, *, writer: str, prefix: str = "archive") -> RedisDedupState:
        return cls(redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=30), params,
                   writer=writer, prefix=prefix)  # fmt: skip

    def _key(self, name: str) -> str:
        return self.prefix + name

    def _init_meta(self, params: NearDupParams) -> str:
        wanted = {"state_id": uuid.uuid4().hex, "near_num_perm": str(params.num_perm),
                  "near_bands_rows": "{}x{}".format(*params.bands_rows)}  # fmt: skip
        pipe = self._redis.pipeline()  # MULTI/EXEC: every field is set by the first worker, or none
        for key, value in wanted.items():
            pipe.hsetnx(self._key("meta"), key, value)
        pipe.hgetall(self._key("meta"))
        stored = {k.decode(): v.decode() for k, v in pipe.execute()[-1].items()}
        for key in ("near_num_perm", "near_bands_rows"):
            if stored[key] != wanted[key]:
                raise StateError(f"redis {self.prefix}: stored {key}={stored[key]} differs from {wanted[key]}")
        return str(stored["state_id"])

    @property
    def state_id(self) -> str:
        return self._state_id

    def is_stored(self, record_id: str) -> bool:
        return bool(self._redis.hexists(self._key("latest"), record_id))

    def latest(self, record_id: str) -> Revision | None:
        value = self._redis.hget(self._key("latest"), record_id)
        if value is None:
            return None
        revision, content_hash = _text(value).split(" ", 1)
        return Revision(record_id, int(revision), content_hash)

    def first_with_hash(self, content_hash: str) -> str | None:
        value = self._redis.hget(self._key("hashes"), content_hash)
        return _text(value) if value is not None else None

    def nearest(self, signature: bytes, *, exclude: str) -> str | None:
        keys = [self._key(f"near:band:{key}") for key in self.fingerprinter.band_keys(signature)]
        seqs = sorted(int(seq) for seq in self._redis.sunion(keys))
        if not seqs:
            return None
        pipe = self._redis.pipeline(transaction=False)
        pipe.hmget(self._key("near:id_of"), seqs)
        pipe.hmget(self._key("near:sig"), seqs)
        ids, signatures = pipe.execute()
        threshold = self.fingerprinter.params.threshold
        for record_id, stored in zip(ids, signatures, strict=True):
            if record_id is None or stored is None or record_id.decode() == exclude:
                continue
            if self.fingerprinter.similarity(signature, stored) >= threshold:
                return str(record_id.decode())
        return None

    def commit(self, records: Sequence[StoredRecord]) -> int:
        return sum(1 for status in self._run_commit(records) if status == 1)

    def claim(self, records: Sequence[StoredRecord]) -> list[int]:
        """`commit`, per record: CLAIM_NEW, CLAIM_OWN (this writer stored it before) or CLAIM_LOST (another did)."""
        return self._run_commit(records)

    def _run_commit(self, records: Sequence[StoredRecord]) -> list[int]:
        if not records:
            return []
        args: list[Any] = [self.prefix, self.writer]
        for record in records:
            signature = record.signature or b""
            keys = ",".join(map(str, self.fingerprinter.band_keys(signature))) if signature else ""
            args += [record.record_id, record.revision, record.content_hash, signature, keys]
        return [int(status) for status in self._commit_script(args=args)]

    def close(self) -> None:
        self._redis.close()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
