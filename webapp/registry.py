"""The form registry: what ``form_definitions/`` says, merged with what the database keeps.

* Forms: each distinct content is stored once as an immutable :class:`FormVersion`
  (content hash + the file's human ``version``). A form whose file now fails to load or
  lint is refused with its problems, and its previous version (in memory, or the latest
  stored one) keeps serving.
* Event types and the workflow come from their files; a broken one keeps its previous
  value in this process (the workflow falls back to the default of the seeds at worst).
* Every process follows the files (issue 14): each app is one gunicorn worker's, on one
  machine of several, and the Reload button (or ``fieldforms sync-definitions``) reaches
  only one process. So each checks the folder's fingerprint (names, sizes, times) at most
  every ``DEFINITIONS_CHECK_SECONDS`` (10 s) before a request, and loads and stores again
  when it changed: within seconds every worker serves what the files say, the same on
  every machine deployed with the same files.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from engine import FormDefinition, Problem, load_definition
from engine.equipment import EquipmentCatalog
from engine.project import Catalog, EventType, Status, Workflow, load_catalog

from .extensions import db
from .models import FormVersion

log = logging.getLogger(__name__)

#: Planned → Confirmed → In progress → Done, plus Cancelled (S1), for a broken workflow.json.
DEFAULT_WORKFLOW = Workflow(
    statuses=[
        Status("planned", {"fr": "Planifié", "en": "Planned"}, "#9e9e9e", "planned"),
        Status("confirmed", {"fr": "Confirmé", "en": "Confirmed"}, "#2196f3", "confirmed"),
        Status("in_progress", {"fr": "En cours", "en": "In progress"}, "#ff9800", "in_progress"),
        Status("done", {"fr": "Réalisé", "en": "Done"}, "#2e7d32", "done"),
        Status("cancelled", {"fr": "Annulé", "en": "Cancelled"}, "#616161", "cancelled"),
    ],
    initial="planned",
    transitions=[
        {"from": a, "to": b, "roles": ["manager", "office", "technician"]}
        for a, b in (("planned", "confirmed"), ("confirmed", "in_progress"), ("in_progress", "done"), ("done", "confirmed"))
    ]
    + [{"from": a, "to": "cancelled", "roles": ["manager", "office"]} for a in ("planned", "confirmed", "in_progress")]
    + [{"from": "cancelled", "to": "planned", "roles": ["manager", "office"]}],
    rights={
        "edit_before_done": ["manager", "office", "technician"],
        "edit_after_done": ["manager", "office"],
        "back_to_confirmed": ["manager", "office", "technician"],
        "close_reopen": ["manager", "office"],
        "send_report": ["manager", "office", "technician"],
    },
)

_catalog_cache: dict[tuple, Catalog] = {}
_definition_cache: dict[str, FormDefinition] = {}
_lock = threading.Lock()


def _fingerprint(root: Path) -> tuple:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return (str(root.resolve()),) + tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


def read_catalog(root: str | os.PathLike) -> Catalog:
    """load_catalog, cached while no file under ``root`` changes (tests build many apps)."""
    key = _fingerprint(Path(root))
    with _lock:
        cat = _catalog_cache.get(key)
        if cat is None:
            cat = load_catalog(root)
            _catalog_cache.clear()
            _catalog_cache[key] = cat
        return cat


def definition_of(fv: FormVersion) -> FormDefinition:
    """The engine's definition of a stored version (one cached validator per content)."""
    d = _definition_cache.get(fv.content_hash)
    if d is None:
        d = load_definition(fv.definition)
        _definition_cache[fv.content_hash] = d
    return d


def _form_id_of(problem: Problem) -> str | None:
    p = Path(problem.file)
    return p.stem if p.parent.name == "forms" else None


@dataclass
class SyncResult:
    added: list[FormVersion] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: dict[str, list[Problem]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class Registry:
    def __init__(self, root: str):
        self.root = root
        self.forms: dict[str, FormDefinition] = {}
        self.event_types: dict[str, EventType] = {}
        self.workflow: Workflow = DEFAULT_WORKFLOW
        #: ``equipment.json``: kinds, fuels, free fields (empty without the file)
        self.equipment: EquipmentCatalog = EquipmentCatalog()
        self.problems: list[Problem] = []
        self.refused_forms: dict[str, list[Problem]] = {}
        self.version_ids: dict[str, int] = {}  # content hash -> FormVersion.id
        self.loaded = False
        self.fingerprint: tuple | None = None  # of the files last loaded
        self._checked_at = time.monotonic()
        self._follow_lock = threading.Lock()

    # -- files ---------------------------------------------------------------------
    def load(self) -> None:
        """Read the folder; keep the previous form, event type or workflow where the new
        file is refused."""
        self.fingerprint = _fingerprint(Path(self.root))
        cat = read_catalog(self.root)
        self.problems = list(cat.problems)
        refused: dict[str, list[Problem]] = {}
        for p in cat.problems:
            fid = _form_id_of(p)
            if fid:
                refused.setdefault(fid, []).append(p)
        forms = dict(cat.forms)
        for fid in refused:
            if fid not in forms and fid in self.forms:
                forms[fid] = self.forms[fid]
        self.refused_forms = refused
        self.forms = forms
        event_types = dict(cat.event_types)
        bad_types = {Path(p.file).stem for p in cat.problems if Path(p.file).parent.name == "event_types"}
        for tid in bad_types:
            if tid not in event_types and tid in self.event_types:
                event_types[tid] = self.event_types[tid]
        self.event_types = event_types
        if cat.workflow is not None:
            self.workflow = cat.workflow
        if cat.equipment is not None:
            self.equipment = cat.equipment
        self.loaded = True

    def follow_files(self, every: float) -> bool:
        """Load and store again when the files changed since they were loaded, checking at
        most once per ``every`` seconds (one thread of the process checks; the others go on
        with what is loaded). Says whether it did."""
        now = time.monotonic()
        if now - self._checked_at < every or not self._follow_lock.acquire(blocking=False):
            return False
        try:
            self._checked_at = now
            if _fingerprint(Path(self.root)) == self.fingerprint:
                return False
            self.load()
            result = self.sync()
            log.info("form definitions changed on disk: %d new version(s), %d form(s) refused", len(result.added), len(result.refused))
            return True
        finally:
            self._follow_lock.release()

    # -- database ------------------------------------------------------------------
    def sync(self) -> SyncResult:
        """Store each form content not stored yet; a refused form falls back to its latest
        stored version. Commits."""
        if not self.loaded:
            self.load()
        result = SyncResult(problems=list(self.problems), refused=dict(self.refused_forms))
        hashes = [d.content_hash for d in self.forms.values()]
        known = dict(db.session.execute(sa.select(FormVersion.content_hash, FormVersion.id).where(FormVersion.content_hash.in_(hashes))).all()) if hashes else {}
        for fid, d in sorted(self.forms.items()):
            if d.content_hash in known:
                result.unchanged.append(fid)
                continue
            fv = FormVersion(form_id=d.id, version=d.version, content_hash=d.content_hash, definition=d.to_json())
            db.session.add(fv)
            try:
                db.session.flush()
            except IntegrityError:  # another process stored it meanwhile
                db.session.rollback()
                fv = db.session.scalar(sa.select(FormVersion).where(FormVersion.content_hash == d.content_hash))
            else:
                result.added.append(fv)
            known[d.content_hash] = fv.id
            _definition_cache.setdefault(d.content_hash, d)
        for fid in self.refused_forms:
            if fid in self.forms:
                continue
            fv = db.session.scalar(sa.select(FormVersion).where(FormVersion.form_id == fid).order_by(FormVersion.id.desc()).limit(1))
            if fv is not None:
                self.forms[fid] = definition_of(fv)
                known[fv.content_hash] = fv.id
        db.session.commit()
        self.version_ids = known
        return result

    def current_version(self, form_id: str) -> FormVersion | None:
        """The FormVersion new answers to ``form_id`` are filled with."""
        d = self.forms.get(form_id)
        if d is None:
            return None
        vid = self.version_ids.get(d.content_hash)
        fv = db.session.get(FormVersion, vid) if vid else None
        if fv is None:
            fv = db.session.scalar(sa.select(FormVersion).where(FormVersion.content_hash == d.content_hash))
            if fv is None:
                self.sync()
                fv = db.session.scalar(sa.select(FormVersion).where(FormVersion.content_hash == d.content_hash))
            if fv is not None:
                self.version_ids[d.content_hash] = fv.id
        return fv

    # -- look-ups ------------------------------------------------------------------
    def status(self, key: str) -> Status:
        try:
            return self.workflow.status(key)
        except KeyError:  # a status removed from workflow.json: still show it
            return Status(key, key, "#9e9e9e", "planned")

    def event_type_title(self, type_id: str, lang: str) -> str:
        et = self.event_types.get(type_id)
        return et.title_in(lang) if et else type_id

    def event_type_color(self, type_id: str) -> str:
        et = self.event_types.get(type_id)
        return et.color if et else "#607d8b"


def get_registry(app: Flask | None = None) -> Registry:
    return (app or current_app).extensions["fieldforms_registry"]


def _follow_files() -> None:
    every = current_app.config["DEFINITIONS_CHECK_SECONDS"]
    if every:
        try:
            get_registry().follow_files(every)
        except (OperationalError, ProgrammingError) as exc:  # no schema yet: as at start
            db.session.rollback()
            log.warning("form versions not synchronised (run `fieldforms init-db`): %s", exc.orig)


def init_app(app: Flask) -> None:
    reg = Registry(app.config["FORM_DEFINITIONS"])
    app.extensions["fieldforms_registry"] = reg
    reg.load()
    for p in reg.problems:
        log.warning("form definitions: %s", p)
    app.config.setdefault("DEFINITIONS_CHECK_SECONDS", 10)
    app.before_request(_follow_files)


def sync_on_start() -> None:
    """Store new form versions at start; a database without its schema yet is left alone
    (``fieldforms init-db`` creates it)."""
    try:
        get_registry().sync()
    except (OperationalError, ProgrammingError) as exc:
        db.session.rollback()
        log.warning("form versions not synchronised (run `fieldforms init-db`): %s", exc.orig)
