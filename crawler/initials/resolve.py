"""Reporter initials (`Pewarta: AHM`) resolved to full names from the portal's own bylines.

Records keep `reporters` as printed; this module only reads them. Resolution is computed
over one portal's archive (each article's latest revision) and nothing else:

* **Initials** are a reporter name of 2-5 capital letters and nothing else (`AHM`).
* **Initials of a full name** (`initials_of`): the first letter of each word
  (`Abdul Hakim Muhiddin` -> `AHM`). A particle (`bin`, `binti`, `van`, `de`, `al`, `La`,
  `Wa`, ... see `PARTICLES`) may be left out or counted (`Muhammad bin Abdullah` -> `MA`
  or `MBA`); a hyphenated word gives its first letter or one per part (`Nur-Aini` -> `N` or
  `NA`). Names of one word, and names that are initials themselves, have no initials.
* **Candidates** for initials X: every full name credited on the portal in any role
  (reporter, translator, photographer, editor) whose initials include X, except a name
  printed beside X in the same reporters list (a co-author is someone else).
* **Evidence**: each record s (not itself bylined X) crediting candidate c weighs
  `ROLE_WEIGHTS[role] x 2 if s shares an editor with X's records x 2 if s is published
  within `period_days` of X's active period (first to last X byline)`; the editor and the
  candidate him/herself are not counted as a shared editor. score(c) = the sum.
* **Confidence** of c = score(c) / the scores of all candidates. The best candidate is
  the name when its confidence reaches `min_confidence`; otherwise X is `ambiguous` (two
  or more candidates without a clear winner) or `unknown` (no candidate with evidence).
* Evidence ids are the winner's strongest `MAX_EVIDENCE` records (weight, then newest).

The result is per portal and per initials (a byline code names one staff member), so
every record with X gets the same resolution; `crawler.initials.sidecars` writes it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import product
from typing import Any

INITIALS = re.compile(r"^[A-Z]{2,5}$")
PARTICLES = frozenset({"bin", "binti", "bt", "ibnu", "ibn", "al", "el", "van", "von", "der", "den", "de", "di", "da",
                       "la", "wa"})  # fmt: skip
"""Words of a name that may or may not give a letter to its initials (case-insensitive)."""
ROLE_WEIGHTS = {"reporters": 1.0, "translators": 0.5, "photographers": 0.5, "editors": 0.5}
"""How much one credit in a role supports a candidate (a reporter's byline is the closest evidence)."""
MAX_EVIDENCE = 10
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


def is_initials(name: str) -> bool:
    return bool(INITIALS.match(name))


def initials_of(name: str) -> frozenset[str]:
    """Every initials string a full name may be printed as (see the module docstring); empty for none."""
    words = _WORD.findall(name)
    if len(words) < 2 or is_initials(name.strip()):
        return frozenset()
    options: list[tuple[str, ...]] = []
    for word in words:
        parts = [p for p in re.split(r"[-'’]", word) if p]
        letters = {word[0].upper(), "".join(p[0].upper() for p in parts)}
        options.append(tuple(sorted(letters | {""})) if word.casefold() in PARTICLES else tuple(sorted(letters)))
    found = {"".join(choice) for choice in product(*options)}
    return frozenset(i for i in found if 2 <= len(i) <= 5)


def name_key(name: str) -> str:
    """One person's name however it is spaced or cased."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Credits:
    """The credits of one article (its latest revision)."""

    id: str
    published: date | None
    roles: Mapping[str, tuple[str, ...]]
    """Role (`reporters`, `editors`, ...) -> names as printed."""

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> Credits:
        published = str(record.get("published_at") or "")
        day = date.fromisoformat(published[:10]) if re.match(r"^\d{4}-\d{2}-\d{2}", published) else None
        roles = {role: tuple(str(n) for n in record.get(role) or ()) for role in ROLE_WEIGHTS}
        return cls(str(record["id"]), day, roles)


@dataclass
class Candidate:
    name: str
    score: float
    records: int
    """Records that credit this name (its evidence records, any weight)."""


@dataclass
class Resolution:
    """What one initials string resolves to on one portal."""

    printed: str
    records: list[str]
    """Ids of the records bylined with these initials."""
    name: str | None = None
    confidence: float | None = None
    evidence: list[str] = field(default_factory=list)
    reason: str | None = None
    """`ambiguous` or `unknown` when `name` is null."""
    candidates: list[Candidate] = field(default_factory=list)

    def entry(self) -> dict[str, Any]:
        """This resolution as one element of a record's `reporters_resolved`."""
        if self.name is not None:
            return {"printed": self.printed, "name": self.name, "confidence": self.confidence,
                    "evidence": self.evidence}  # fmt: skip
        entry: dict[str, Any] = {"printed": self.printed, "name": None, "reason": self.reason}
        if self.candidates:
            entry["candidates"] = [c.name for c in self.candidates]
        return entry


def latest_credits(records: Iterable[Mapping[str, Any]]) -> list[Credits]:
    """Each article's credits as of its latest revision, ordered by id."""
    latest: dict[str, tuple[int, Mapping[str, Any]]] = {}
    for record in records:
        record_id, revision = record.get("id"), int(record.get("revision") or 0)
        if isinstance(record_id, str) and (record_id not in latest or revision >= latest[record_id][0]):
            latest[record_id] = (revision, record)
    return [Credits.of(latest[i][1]) for i in sorted(latest)]


def resolve(articles: list[Credits], *, min_confidence: float, period_days: int) -> dict[str, Resolution]:
    """Initials string -> its resolution, for every initials-only reporter name of the portal."""
    bylined: dict[str, list[Credits]] = defaultdict(list)
    for article in articles:
        for printed in dict.fromkeys(n for n in article.roles["reporters"] if is_initials(n)):
            bylined[printed].append(article)
    index = _NameIndex(articles)
    return {
        printed: _resolve_one(printed, bylined[printed], index, min_confidence, timedelta(days=period_days))
        for printed in sorted(bylined)
    }


class _NameIndex:
    """Full names of the portal: by initials, with the records crediting them (role weight per record)."""

    def __init__(self, articles: list[Credits]) -> None:
        self.by_initials: dict[str, set[str]] = defaultdict(set)
        self.credited: dict[str, dict[str, tuple[float, Credits]]] = defaultdict(dict)
        self.printed: dict[str, Counter[str]] = defaultdict(Counter)
        for article in articles:
            for role, names in article.roles.items():
                for name in names:
                    key, variants = name_key(name), initials_of(name)
                    if not variants:
                        continue
                    self.printed[key][" ".join(name.split())] += 1
                    for variant in variants:
                        self.by_initials[variant].add(key)
                    weight = max(ROLE_WEIGHTS[role], self.credited[key].get(article.id, (0.0, article))[0])
                    self.credited[key][article.id] = (weight, article)

    def display(self, key: str) -> str:
        """The most printed spelling of a name (ties: alphabetical)."""
        return min(self.printed[key].items(), key=lambda item: (-item[1], item[0]))[0]


def _resolve_one(
    printed: str, bylined: list[Credits], index: _NameIndex, min_confidence: float, period: timedelta
) -> Resolution:
    result = Resolution(printed, [a.id for a in bylined])
    own_ids = set(result.records)
    co_authors = {name_key(n) for a in bylined for n in a.roles["reporters"] if n != printed}
    editors = {name_key(n) for a in bylined for n in a.roles["editors"]}
    days = sorted(a.published for a in bylined if a.published is not None)
    span = (days[0] - period, days[-1] + period) if days else None
    weighted: dict[str, list[tuple[float, Credits]]] = {}
    for key in sorted(index.by_initials.get(printed, set()) - co_authors):
        weighted[key] = [(_weight(weight, s, key, editors, span), s)
                         for weight, s in index.credited[key].values() if s.id not in own_ids]  # fmt: skip
    scores = {key: sum(w for w, _ in evidence) for key, evidence in weighted.items()}
    result.candidates = sorted(
        (Candidate(index.display(k), round(scores[k], 3), len(weighted[k])) for k in weighted if scores[k] > 0),
        key=lambda c: (-c.score, c.name),
    )
    total = sum(scores.values())
    if not total:
        result.reason = "unknown"
        return result
    best = max(scores, key=lambda k: (scores[k], k))
    confidence = scores[best] / total
    if confidence < min_confidence:
        result.reason = "ambiguous"
        return result
    strongest = sorted(weighted[best], key=lambda ws: (-ws[0], -(ws[1].published or date.min).toordinal(), ws[1].id))
    result.name, result.confidence = index.display(best), round(confidence, 3)
    result.evidence = [s.id for _, s in strongest[:MAX_EVIDENCE]]
    return result


def _weight(
    role_weight: float, record: Credits, candidate: str, editors: set[str], span: tuple[date, date] | None
) -> float:
    shared = ({name_key(n) for n in record.roles["editors"]} & editors) - {candidate}
    in_period = span is not None and record.published is not None and span[0] <= record.published <= span[1]
    return role_weight * (2 if shared else 1) * (2 if in_period else 1)
