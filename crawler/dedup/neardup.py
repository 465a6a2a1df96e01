"""Near-duplicate fingerprints: MinHash signatures of article bodies and their LSH band keys.

A syndicated story keeps its text but gains or loses a dateline, a credit line or an
editor's sentence, so bodies are compared as sets of word 3-grams (shingles) and their
Jaccard similarity is estimated with a MinHash signature, bit for bit the one of
datasketch's `MinHash(seed=1, scheme="affine32")` (a test holds the two together), computed
here with numpy alone: datasketch's package import pulls in scipy (about 1.5 s of CPU and
80 MB), and its per-object set-up cost as much as the hashing. To find candidates without
comparing against every stored article, each signature is cut into `bands` bands of
`rows` values (datasketch's own false-positive/false-negative optimisation picks them for
the threshold) and every band is reduced to one 64-bit key: two articles whose signatures
agree on a whole band share that key. The state store keeps the keys in an index and the
signatures beside them, then confirms each candidate by its estimated Jaccard similarity,
so band-key collisions cost a comparison but never produce a false link.

The fingerprinting is backend-independent: a SQLite or Redis store holds the same bytes
and keys.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np

_WORD = re.compile(r"\w+")
SHINGLE_WORDS = 3
"""Words per shingle: 3-grams tell two stories on one topic apart while tolerating small edits."""
_SEED = 1
_SCHEME = "affine32"
"""MinHash seed and permutation scheme: part of the stored format (changing either makes stored signatures useless)."""


KNOWN_BANDS_ROWS = {(0.7, 128): (14, 9)}
"""`optimal_bands_rows` of the default settings (a test recomputes it): the search costs 0.3 s of CPU per process."""


@dataclass(frozen=True)
class NearDupParams:
    """How signatures are made and compared; stored with the state so that they never silently change."""

    threshold: float = 0.7
    num_perm: int = 128
    min_words: int = 40

    @cached_property
    def bands_rows(self) -> tuple[int, int]:
        """(bands, rows per band) minimising weighted false positives and negatives at `threshold`."""
        known = KNOWN_BANDS_ROWS.get((self.threshold, self.num_perm))
        return known if known is not None else optimal_bands_rows(self.threshold, self.num_perm)


@dataclass
class Fingerprinter:
    """Signatures and band keys under one `NearDupParams` (permutations are built once)."""

    params: NearDupParams
    handed_over: int = field(default=0, init=False)
    """Signatures taken from `HANDOVER` instead of computed."""

    @cached_property
    def _permutations(self) -> tuple[np.ndarray, np.ndarray]:
        return affine32_permutations(self.params.num_perm, _SEED)

    def signature(self, text: str) -> bytes | None:
        """The MinHash signature of `text` (uint32 little-endian), or None when it is too short to compare.

        Taken from `HANDOVER` when a parse worker already computed it for this text.
        """
        known = HANDOVER.take(self.params, text)
        if isinstance(known, _NotKnown):
            return self.compute(text)
        self.handed_over += 1
        return known

    def compute(self, text: str) -> bytes | None:
        """`signature`, computed here."""
        words = _WORD.findall(text.lower())
        if len(words) < max(self.params.min_words, SHINGLE_WORDS):
            return None
        shingles = {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}
        return minhash_affine32(shingles, *self._permutations)

    def band_keys(self, signature: bytes) -> list[int]:
        """One signed 64-bit key per band (SQLite's INTEGER range); the band number is part of the key."""
        bands, rows = self.params.bands_rows
        width = rows * 4
        return [
            int.from_bytes(
                hashlib.blake2b(
                    signature[b * width : (b + 1) * width], digest_size=8, salt=b.to_bytes(16, "little")
                ).digest(),
                "little",
                signed=True,
            )
            for b in range(bands)
        ]

    @staticmethod
    def similarity(a: bytes, b: bytes) -> float:
        """Estimated Jaccard similarity of the shingle sets behind two signatures."""
        left, right = np.frombuffer(a, dtype="<u4"), np.frombuffer(b, dtype="<u4")
        if left.shape != right.shape:
            return 0.0
        return float(np.count_nonzero(left == right)) / len(left)


class _NotKnown:
    pass


_NOT_KNOWN = _NotKnown()


class SignatureHandover:
    """Signatures computed in a parse worker (`crawler.portals.worker`), waiting for the dedup pipeline.

    The worker signs the body it has just extracted, beside the crawl's reactor thread, which
    would otherwise spend about 0.3-0.5 ms per article on it; the crawl puts the signature here
    when it takes the worker's record, and `Fingerprinter.signature` takes it back out for the
    same text and parameters. A signature is a pure function of both, so whichever crawler of
    the process takes it gets the value it would have computed. Bounded: records dropped before
    dedup (unchanged on a re-crawl, say) leave their entries, the oldest of which are forgotten.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self.capacity = capacity
        self._known: OrderedDict[tuple[NearDupParams, str], bytes | None] = OrderedDict()

    def put(self, params: NearDupParams, text: str, signature: bytes | None) -> None:
        self._known[(params, text)] = signature
        while len(self._known) > self.capacity:
            self._known.popitem(last=False)

    def take(self, params: NearDupParams, text: str) -> bytes | None | _NotKnown:
        """The signature put for `text` under `params` (forgotten once taken), else `_NOT_KNOWN`."""
        return self._known.pop((params, text), _NOT_KNOWN)

    def __len__(self) -> int:
        return len(self._known)


HANDOVER = SignatureHandover()
"""The process's signatures handed over by parse workers."""


def affine32_permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) of datasketch's affine32 permutations h -> a * h + b mod 2**32 (`MinHash._init_permutations`)."""
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def minhash_affine32(shingles: set[str], a: np.ndarray, b: np.ndarray) -> bytes:
    """datasketch's affine32 `MinHash.update_batch` over UTF-8 `shingles` (not empty), as little-endian bytes.

    Each shingle's hash is the first 4 bytes of its SHA-1 (datasketch's `sha1_hash32`),
    pre-mixed with the MurmurHash3 finalizer, then permuted; uint32 arithmetic wraps, which
    is the intended modulo 2**32.
    """
    digests = b"".join([hashlib.sha1(s.encode(), usedforsecurity=False).digest()[:4] for s in shingles])
    hv = np.frombuffer(digests, dtype="<u4").astype(np.uint32)
    hv ^= hv >> np.uint32(16)
    hv *= np.uint32(0x85EBCA6B)
    hv ^= hv >> np.uint32(13)
    hv *= np.uint32(0xC2B2AE35)
    hv ^= hv >> np.uint32(16)
    permuted = hv.reshape(-1, 1) * a + b
    return bytes(permuted.min(axis=0).astype("<u4").tobytes())


@lru_cache(maxsize=16)
def optimal_bands_rows(threshold: float, num_perm: int, steps: int = 200) -> tuple[int, int]:
    """(bands, rows) with bands * rows <= num_perm minimising equally weighted false positives and negatives.

    The LSH banding rule datasketch's `MinHashLSH` applies (the probability that a pair of
    Jaccard similarity s shares a band is 1 - (1 - s**r)**b; errors are its integrals below
    and above the threshold), computed here with Simpson's rule: datasketch's own function
    is private and integrates with scipy, whose import alone weighs more than the state.
    """

    def integral(b: int, r: int, low: float, high: float, *, above: bool) -> float:
        width = (high - low) / steps
        total = 0.0
        for i in range(steps + 1):
            s = low + i * width
            shared = 1 - (1 - s**r) ** b
            value = 1 - shared if above else shared
            total += value * (1 if i in (0, steps) else 4 if i % 2 else 2)
        return total * width / 3

    best, best_error = (1, 1), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            error = 0.5 * integral(bands, rows, 0.0, threshold, above=False)
            error += 0.5 * integral(bands, rows, threshold, 1.0, above=True)
            if error < best_error:
                best, best_error = (bands, rows), error
    return best
