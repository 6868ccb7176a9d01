"""``resolve serve``: the registry over HTTP for the people who cannot run a command.

- an instant-approval system asks ``POST /lookup`` with one person's record and gets the
  candidate golden persons with their probability, explanation and any refusal;
- a grid worker finds a property on ``/grid`` (a phone-sized page), sees who is recorded
  living there and records what the visit found: a resident who moved away, a new resident,
  a property that is no dwelling;
- a steward works through ``/review``, the queue of uncertain merges and near matches
  (``recon_dispute_explanations``), each pair side by side with its explanation, deciding
  "same" or "different".

Every correction goes through ``resolve.overrides.append_override``, the function
``resolve override add`` calls, into the override log the config names: the next rebuild
applies it, and ``GET /overrides`` says of each entry what the registry made of it (or that it
waits for the next rebuild). Callers are known by a bearer token from the file the config's
``service.tokens`` names; each role may do its own part, and IDs and phone numbers are masked
for the roles that may not see them. Every request is logged with who asked.

The registry is opened once, and again when a rebuild replaces its file (the next request
opens the new one while the others are answered from the old): lookups keep their indexes in
memory (``PersonLookup``, two by default), and the lookups waiting together are matched
together; other reads open the file for the request. The pages are written here, their style and
script allowed by hash, with nothing fetched from elsewhere.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hmac
import json
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from resolve.errors import ResolveError

ROLES = ("steward", "grid_worker", "approval")
ROLE_LABELS = {"steward": "数据管理员", "grid_worker": "网格员", "approval": "审批系统"}
# what each role may do
MAY = {
    "lookup": {"steward", "grid_worker", "approval"},
    "read_overrides": {"steward", "grid_worker"},
    "write_overrides": {"steward", "grid_worker"},
    "review": {"steward"},
    "properties": {"steward", "grid_worker"},
}
UNMASKED = {"steward", "approval"}  # see full citizen IDs and phone numbers
# corrections a grid worker records from a visit; merging and splitting persons, and
# withdrawing entries, are the steward's decisions
GRID_WORKER_KINDS = ("set_attribute", "set_use", "detach")
MIN_TOKEN_LENGTH = 24
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Caller:
    name: str
    role: str


def load_tokens(path: Path) -> dict[str, Caller]:
    """token -> Caller from a YAML list of {name, role, token}; a ResolveError names the entry
    and the fix."""
    import yaml

    if not path.exists():
        raise ResolveError(f"{path}: token file not found; write one entry per caller "
                           "(name, role: steward | grid_worker | approval, token) and name it in the "
                           "config's service.tokens")
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ResolveError(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    if not isinstance(entries, list) or not entries:
        raise ResolveError(f"{path}: a list of callers is expected, each `- name: ..., role: ..., token: ...`")
    tokens: dict[str, Caller] = {}
    problems = []
    for i, entry in enumerate(entries, start=1):
        where = f"{path}: entry {i}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: write name, role and token")
            continue
        unknown = sorted(set(entry) - {"name", "role", "token"})
        if unknown:
            problems.append(f"{where}: unknown key(s) {', '.join(map(str, unknown))}; use name, role, token")
        name, role, token = (str(entry.get(k) or "").strip() for k in ("name", "role", "token"))
        if not name:
            problems.append(f"{where}: no name; the log records who asked by it")
        if role not in ROLES:
            problems.append(f"{where}: role '{role}' is not one of {', '.join(ROLES)}")
        if len(token) < MIN_TOKEN_LENGTH:
            problems.append(f"{where}: the token is shorter than {MIN_TOKEN_LENGTH} characters; make one with "
                            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`")
        elif token in tokens:
            problems.append(f"{where}: the same token as {tokens[token].name}; each caller has a token of its own")
        else:
            tokens[token] = Caller(name, role)
    if problems:
        raise ResolveError("\n".join(problems))
    return tokens


def _masked(value: Any) -> Any:
    """``value`` with every citizen ID and mobile number in its text masked (as the report does)."""
    from resolve.report import mask_text

    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """A value JSON can carry: dates as ISO text."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class Refused(Exception):
    """A request answered with an error: its HTTP status and the reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass
class _Opened:
    """The registry as the service has it open: its file's identity when opened, its run_info,
    the departments, and the lookups."""

    stamp: tuple
    info: dict
    departments: dict
    batcher: "_Batcher"
    n_persons: int


class Service:
    """The registry of ``registry_dir`` and the config it was built from, opened for requests.
    A rebuild that replaces the registry file is picked up by the next request."""

    def __init__(self, registry_dir: str | Path, config_path: str | Path | None = None, lookups: int = 2):
        from resolve.config import load_config
        from resolve.pipeline import REGISTRY_FILE

        self.folder = Path(registry_dir)
        self.registry = self.folder / REGISTRY_FILE
        if not self.registry.exists():
            raise ResolveError(f"{self.registry}: no registry here; run `resolve run CONFIG --out {self.folder}` first")
        info = dict((r["key"], r["value"]) for r in self._rows("SELECT key, value FROM run_info"))
        config_path = config_path or info.get("config")
        if not config_path or not Path(config_path).exists():
            raise ResolveError(f"the config this registry was built from ({config_path}) is not there; "
                               "pass --config CONFIG")
        self.config = load_config(config_path)
        if self.config.service.tokens is None:
            raise ResolveError(f"{self.config.config_path}: no service.tokens; name the file of the service's "
                               "callers (service: {tokens: tokens.yaml})")
        if self.config.overrides_dir is None:
            raise ResolveError(f"{self.config.config_path}: the config names no overrides folder; add "
                               "`overrides: overrides` so corrections have a log to go to")
        self.tokens = load_tokens(self.config.relative(self.config.service.tokens))
        self.log_path = self.config.relative(self.config.service.log)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_lock, self._append_lock = threading.Lock(), threading.Lock()
        self._n_lookups = max(1, lookups)
        self._reloading = threading.Lock()
        self._unreadable: tuple | None = None  # a replacement that could not be opened: not tried again
        self._opened = self._open(self._stamp())

    def _stamp(self) -> tuple:
        st = self.registry.stat()
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _open(self, stamp: tuple) -> _Opened:
        from resolve.lookup import PersonLookup

        info = dict((r["key"], r["value"]) for r in self._rows("SELECT key, value FROM run_info"))
        departments = {r["source"]: r["department"]
                       for r in self._rows("SELECT source, department FROM ingest_sources")}
        # lookups run in parallel on as many registries opened for matching (DuckDB leaves
        # Python's lock while it works); each holds the registry's lookup indexes in memory
        lookups = [PersonLookup(self.folder) for _ in range(self._n_lookups)]
        return _Opened(stamp, info, departments, _Batcher(lookups), lookups[0].n_persons)

    def opened(self) -> _Opened:
        """The registry as open now; a registry file replaced since (a rebuild) is opened first,
        by one request while the others are answered from the one open."""
        current = self._opened
        try:
            stamp = self._stamp()
        except OSError:  # between a rebuild's moves: the one open still answers
            return current
        if stamp == current.stamp or stamp == self._unreadable or not self._reloading.acquire(blocking=False):
            return current
        try:
            if self._opened.stamp != stamp:
                try:
                    fresh = self._open(stamp)
                except (ResolveError, duckdb.Error) as exc:
                    self._unreadable = stamp
                    self.log(None, "RELOAD", str(self.registry), 500, error=f"the rebuilt registry cannot be "
                             f"opened ({exc}); still answering from the one built {current.info.get('finished_at')}")
                    return current
                old, self._opened = self._opened, fresh
                # the old lookups answer what waits for them, then close
                threading.Thread(target=old.batcher.close, daemon=True).start()
                self.log(None, "RELOAD", str(self.registry), 200, built=fresh.info.get("finished_at"))
            return self._opened
        finally:
            self._reloading.release()

    @property
    def info(self) -> dict:
        return self._opened.info

    @property
    def n_persons(self) -> int:
        return self._opened.n_persons

    def close(self) -> None:
        self._opened.batcher.close()

    # ---------------------------------------------------------------------- callers and log

    def caller(self, authorization: str | None, action: str) -> Caller:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refused(401, "no token: send the header `Authorization: Bearer <token>`")
        token = token.strip()
        found = next((c for t, c in self.tokens.items() if hmac.compare_digest(t, token)), None)
        if found is None:
            raise Refused(401, "the token is not one of this service's; ask the steward for yours")
        if found.role not in MAY[action]:
            raise Refused(403, f"a {found.role} may not {action.replace('_', ' ')}")
        return found

    def log(self, caller: Caller | None, method: str, path: str, status: int, **detail) -> None:
        """One line per request: when, who, what, and what came of it (values masked)."""
        line = {"at": dt.datetime.now().isoformat(timespec="milliseconds"),
                "caller": caller.name if caller else None, "role": caller.role if caller else None,
                "request": f"{method} {path}", "status": status, **_masked(_plain(detail))}
        text = json.dumps(line, ensure_ascii=False) + "\n"
        with self._log_lock, open(self.log_path, "a", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.write(text)

    def shown(self, caller: Caller, value: Any) -> Any:
        value = _plain(value)
        return value if caller.role in UNMASKED else _masked(value)

    def _rows(self, sql: str, params: list | None = None) -> list[dict]:
        """Rows of the registry file as it is now (a connection of its own: nothing keeps an
        old file open past a rebuild)."""
        con = duckdb.connect(str(self.registry), read_only=True)
        try:
            result = con.execute(sql, params or [])
            names = [d[0] for d in result.description]
            return [dict(zip(names, row)) for row in result.fetchall()]
        finally:
            con.close()

    # ------------------------------------------------------------------------------ lookup

    def do_lookup(self, caller: Caller, record: Any, limit: int) -> dict:
        if not isinstance(record, dict):
            raise Refused(400, "the body is one JSON object: the record's fields (id_number, name, birth_date, ...)")
        opened = self.opened()
        try:
            query, candidates = opened.batcher.match(record, limit)
        except ResolveError as exc:
            raise Refused(400, str(exc)) from exc
        shown_query = {k: v for k, v in query.items() if v is not None and k not in ("rid", "source")}
        return self.shown(caller, {"query": shown_query, "candidates": [c.to_dict() for c in candidates],
                                   "registry_built": opened.info.get("finished_at")})

    # --------------------------------------------------------------------------- overrides

    def add_override(self, caller: Caller, data: Any) -> dict:
        from resolve.overrides import append_override, check_against_registry, parse_entry

        if not isinstance(data, dict):
            raise Refused(400, "the body is one JSON object: kind, records or entity_id, reason, evidence, ...")
        if caller.role == "grid_worker" and data.get("kind") not in GRID_WORKER_KINDS:
            raise Refused(403, f"a grid worker records {', '.join(GRID_WORKER_KINDS)}; "
                               f"'{data.get('kind')}' is the steward's decision")
        data = {**data}
        data.setdefault("author", caller.name)
        try:
            entry = parse_entry({k: v for k, v in data.items() if v not in (None, "", [])}
                                | {"date": data.get("date") or dt.date.today().isoformat()}, self.config)
            check_against_registry(entry, self.registry)
            with self._append_lock:  # one entry a line, whoever posts at the same moment
                entry = append_override(self.config, data)
        except ResolveError as exc:
            raise Refused(400, str(exc)) from exc
        return {"id": entry.id, "kind": entry.kind, "entity": entry.entity, "status": "pending",
                "detail": "in the log; the next rebuild applies it"}

    def overrides(self, caller: Caller, author: str | None = None) -> dict:
        """Every entry of the log with what the registry made of it; an entry appended since the
        registry was built is pending."""
        from resolve.overrides import load_overrides

        try:
            entries = load_overrides(self.config)
        except ResolveError as exc:
            raise Refused(500, str(exc)) from exc
        opened = self.opened()
        status = {r["override_id"]: r for r in self._rows(
            "SELECT override_id, status, detail, entity_ids FROM override_status")}
        out = []
        for e in entries:
            if author and e.author != author:
                continue
            s = status.get(e.id)
            out.append({"id": e.id, "kind": e.kind, "entity": e.entity, "records": [f"{a}:{b}" for a, b in e.records],
                        "entity_id": e.entity_id, "attribute": e.attribute, "value": e.value,
                        "status_date": e.status_date, "revokes": e.override, "author": e.author, "date": e.date,
                        "reason": e.reason, "evidence": e.evidence,
                        "status": s["status"] if s else "pending",
                        "detail": s["detail"] if s else "in the log; the next rebuild applies it",
                        "entity_ids": list(s["entity_ids"] or []) if s else []})
        return self.shown(caller, {"entries": out, "registry_built": opened.info.get("finished_at")})

    # ------------------------------------------------------------------------------ review

    def review(self, caller: Caller, offset: int, limit: int) -> dict:
        """The steward's queue: each uncertain pair with both records side by side, its
        explanation, and the decision already in the log for it, if any."""
        from resolve.overrides import load_overrides

        departments = self.opened().departments
        pairs = self._rows("""
            SELECT e.entity_id, e.other_entity_id, e.record_l, e.record_r, e.match_probability, e.match_weight,
                   e.weights, e.explanation, e.rid_l, e.rid_r
            FROM recon_dispute_explanations e
            ORDER BY abs(e.match_probability - 0.5), e.record_l, e.record_r""")
        decided: dict[frozenset, dict] = {}
        revoked = set()
        entries = load_overrides(self.config)
        for e in entries:
            if e.kind == "revoke":
                revoked.add(e.override)
        for e in entries:
            if e.kind in ("same", "different") and e.id not in revoked:
                keys = {f"{s}:{k}" for s, k in e.records}
                for a in keys:
                    for b in keys:
                        if a < b:
                            decided[frozenset((a, b))] = {"id": e.id, "kind": e.kind, "author": e.author}
        total = len(pairs)
        done = sum(1 for p in pairs if frozenset((_key(p["record_l"]), _key(p["record_r"]))) in decided)
        page = pairs[offset:offset + limit]
        rids = [p["rid_l"] for p in page] + [p["rid_r"] for p in page]
        records = {r["rid"]: r for r in self._rows(f"""
            SELECT s.rid, s.source, s.record_key, s.name_raw AS name, s.id_number, s.other_doc, s.sex,
                   s.birth_date, s.phone, s.registered_address, s.residence_address, s.status, s.updated_at
            FROM std_person s WHERE s.rid IN ({', '.join('?' for _ in rids) or 'NULL'})""", rids)}
        items = []
        for p in page:
            left, right = records.get(p["rid_l"], {}), records.get(p["rid_r"], {})
            for side in (left, right):
                side["department"] = departments.get(side.get("source"), side.get("source"))
            pair = frozenset((_key(p["record_l"]), _key(p["record_r"])))
            items.append({"records": [_key(p["record_l"]), _key(p["record_r"])],
                          "entity_ids": [p["entity_id"], p["other_entity_id"]],
                          "match_probability": p["match_probability"], "match_weight": p["match_weight"],
                          "weights": json.loads(p["weights"]) if p["weights"] else {},
                          "explanation": p["explanation"], "left": left, "right": right,
                          "decision": decided.get(pair)})
        return self.shown(caller, {"total": total, "decided": done, "offset": offset, "items": items})

    # -------------------------------------------------------------------------- properties

    def find_properties(self, caller: Caller, text: str, limit: int = 20) -> dict:
        """Properties whose address holds every word of ``text`` (spaces separate words), dwellings
        and those with most residents first."""
        words = [w for w in text.split() if w][:6]
        if not words:
            raise Refused(400, "write part of the address to search for "
                               "(a road, an estate, a building: 红荔路12号 3栋)")
        where = " AND ".join("contains(g.address, ?)" for _ in words)
        rows = self._rows(f"""
            SELECT g.property_id, g.address, g.district, g.use, g.is_dwelling,
                   (SELECT count(*) FROM person_residence r WHERE r.property_id = g.property_id) AS residents
            FROM property_golden g WHERE {where}
            ORDER BY residents DESC, g.address LIMIT ?""", [*words, limit])
        return self.shown(caller, {"properties": rows})

    def property(self, caller: Caller, property_id: str) -> dict:
        found = self._rows("SELECT property_id, address, district, street, community, use, is_dwelling, area, "
                           "n_records, sources FROM property_golden WHERE property_id = ?", [property_id])
        if not found:
            raise Refused(404, f"{property_id} is not a property in this registry; search by address instead")
        residents = self._rows("""
            SELECT r.person_id, g.name, g.id_number, g.sex, g.birth_date, g.status, r.basis, r.as_of
            FROM person_residence r JOIN person_golden g USING (person_id)
            WHERE r.property_id = ? ORDER BY g.name, r.person_id""", [property_id])
        return self.shown(caller, {"property": found[0], "residents": residents})


class _Batcher:
    """Lookups that wait together are matched together: a thread per registry opened for
    matching takes the first waiting lookup and every other one waiting by then (up to
    ``BATCH``), and answers them with one ``match_many`` (whose two statements cost about the
    same for thirty records as for one). A lookup alone is answered at once, as alone."""

    BATCH = 32

    def __init__(self, lookups: list):
        self._lookups = lookups
        self._waiting: queue.Queue = queue.Queue()
        self._threads = [threading.Thread(target=self._work, args=(lk,), daemon=True, name="resolve-lookup")
                         for lk in lookups]
        for thread in self._threads:
            thread.start()

    def match(self, record: dict, limit: int) -> tuple[dict, list]:
        answer: Future = Future()
        self._waiting.put((record, limit, answer))
        return answer.result()

    def _work(self, lookup) -> None:
        while True:
            first = self._waiting.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.BATCH:
                try:
                    more = self._waiting.get_nowait()
                except queue.Empty:
                    break
                if more is None:  # closing: the other threads stop too
                    self._waiting.put(None)
                    break
                batch.append(more)
            try:  # the longest list asked for; each caller gets its own length of it
                answers = lookup.match_many([record for record, _, _ in batch], max(n for _, n, _ in batch))
            except BaseException as exc:  # noqa: BLE001 - every caller waiting is told, none hangs
                for _, _, answer in batch:
                    answer.set_exception(exc)
                continue
            for (_, n, answer), result in zip(batch, answers):
                if isinstance(result, ResolveError):
                    answer.set_exception(result)
                else:
                    answer.set_result((result[0], result[1][:n]))

    def close(self) -> None:
        for _ in self._threads:
            self._waiting.put(None)
        for thread in self._threads:
            thread.join(timeout=30)
        for lookup in self._lookups:
            lookup.close()


def _key(text: str) -> str:
    """A record as the explanations write it (source|key) as the override log does (source:key)."""
    source, _, key = str(text).partition("|")
    return f"{source}:{key}"


# ---------------------------------------------------------------------------------- the app

def create_app(service: Service):
    """The Starlette application answering for ``service``."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse
    from starlette.routing import Route

    from resolve import pages

    def refuse(request: Request, exc: Refused, caller: Caller | None = None, **logged):
        """The error answered as JSON, and its line in the log."""
        service.log(caller, request.method, request.url.path, exc.status, error=exc.reason, **logged)
        return JSONResponse({"error": exc.reason}, status_code=exc.status)

    def answer(request: Request, action: str, work, status: int = 200, **logged):
        caller = None
        started = time.perf_counter()
        try:
            caller = service.caller(request.headers.get("authorization"), action)
            body = work(caller)
        except Refused as exc:
            return refuse(request, exc, caller, **logged)
        ms = round((time.perf_counter() - started) * 1000, 1)
        service.log(caller, request.method, request.url.path, status, ms=ms, **logged, **_summary(body))
        return JSONResponse(body, status_code=status)

    async def json_body(request: Request) -> Any:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise Refused(413, f"the body is over {MAX_BODY // 1024} KB; send one record or one correction")
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Refused(400, f"the body is not JSON ({exc}); send a JSON object with "
                               "Content-Type: application/json") from exc

    def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
        text = request.query_params.get(name)
        if text is None:
            return default
        if not text.isdigit() or not low <= int(text) <= high:
            raise Refused(400, f"{name} must be a whole number from {low} to {high}")
        return int(text)

    async def lookup(request: Request):
        try:
            record = await json_body(request)
            limit = int_param(request, "limit", 5, 1, 50)
        except Refused as exc:
            return refuse(request, exc)
        fields = sorted(record) if isinstance(record, dict) else None
        return await _threaded(answer, request, "lookup", lambda c: service.do_lookup(c, record, limit),
                               fields=fields)

    async def overrides(request: Request):
        if request.method == "GET":
            author = request.query_params.get("author")
            return await _threaded(answer, request, "read_overrides", lambda c: service.overrides(c, author))
        try:
            data = await json_body(request)
        except Refused as exc:
            return refuse(request, exc)
        logged = {k: data.get(k) for k in ("kind", "records", "entity_id", "attribute", "value")} \
            if isinstance(data, dict) else {}
        return await _threaded(answer, request, "write_overrides", lambda c: service.add_override(c, data),
                               201, **logged)

    async def review(request: Request):
        try:
            offset = int_param(request, "offset", 0, 0, 10**9)
            limit = int_param(request, "limit", 20, 1, 200)
        except Refused as exc:
            return refuse(request, exc)
        return await _threaded(answer, request, "review", lambda c: service.review(c, offset, limit))

    async def properties(request: Request):
        text = request.query_params.get("q", "")
        return await _threaded(answer, request, "properties", lambda c: service.find_properties(c, text), q=text)

    async def one_property(request: Request):
        pid = request.path_params["property_id"]
        return await _threaded(answer, request, "properties", lambda c: service.property(c, pid), property_id=pid)

    def page(name: str):
        async def show(request: Request):
            text, csp = pages.render(name, service.info)
            return HTMLResponse(text, headers={"Content-Security-Policy": csp, "Cache-Control": "no-store",
                                               "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})
        return show

    async def home(request: Request):
        return RedirectResponse("/review" if request.query_params.get("role") == "steward" else "/grid")

    async def health(request: Request):
        opened = service.opened()
        return JSONResponse({"status": "ok", "registry_built": opened.info.get("finished_at"),
                             "persons": opened.n_persons})

    return Starlette(routes=[
        Route("/", home), Route("/health", health),
        Route("/lookup", lookup, methods=["POST"]),
        Route("/overrides", overrides, methods=["GET", "POST"]),
        Route("/api/review", review), Route("/api/properties", properties),
        Route("/api/properties/{property_id}", one_property),
        Route("/review", page("review")), Route("/grid", page("grid")),
    ])


async def _threaded(fn, *args, **kwargs):
    """Run the blocking registry work on the thread pool, off the event loop."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args, **kwargs)


def _summary(body: dict) -> dict:
    """What the log keeps of an answer: its size, not its content."""
    out = {}
    for key in ("candidates", "entries", "items", "properties", "residents"):
        if isinstance(body.get(key), list):
            out[f"n_{key}"] = len(body[key])
    if "id" in body:
        out["override_id"] = body["id"]
    if body.get("candidates"):
        out["top"] = body["candidates"][0].get("person_id")
    return out

