"""The demo's installed equipment (issue 15): every demo client has some (boilers, pellet
and wood stoves, a heat pump, a water heater), the demo's visits target it, the answers of
the done maintenance visits updated it as the event types say (audited: a serial number
read on the plate, the next maintenance date), and some of it is due next month or overdue,
so that the maintenance list has something to plan whatever the day the demo is made for.

It draws from its own random generator: the rest of the demo stays as it was.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from engine import clock
from engine.equipment import parse_update_source
from engine.paths import from_pointer

from .extensions import db
from .models import AuditLog, Client, Equipment, Intervention, User
from .registry import get_registry

#: kind -> (brand, model, serial prefix, fuel, free fields) of the appliances the demo installs
APPLIANCES = {
    "poele_granules": [("MCZ", "Ego 8 Comfort Air", "MCZ", "granules", {"puissance_kw": 8.2, "evacuation": "conduit"}),
                       ("Palazzetti", "Ecofire Ginger", "PAL", "granules", {"puissance_kw": 9, "evacuation": "ventouse"}),
                       ("Edilkamin", "Blade H", "EDK", "granules", {"puissance_kw": 11, "evacuation": "conduit"})],
    "insert_bois": [("Jøtul", "I 520 FRL", "JOT", "bois", {"puissance_kw": 7, "evacuation": "conduit"})],
    "chaudiere_gaz": [("Saunier Duval", "ThemaPlus Condens F25", "SD", "gaz_naturel", {"puissance_kw": 24.7, "evacuation": "ventouse"}),
                      ("Frisquet", "Prestige Condensation 25", "FRQ", "gaz_naturel", {"puissance_kw": 25, "evacuation": "ventouse"}),
                      ("Viessmann", "Vitodens 100-W", "VIE", "propane", {"puissance_kw": 19, "evacuation": "ventouse"})],
    "chaudiere_fioul": [("De Dietrich", "GTU C 120", "DD", "fioul", {"puissance_kw": 25, "evacuation": "conduit"})],
    "pompe_chaleur": [("Daikin", "Altherma 3 R", "DAI", "electricite", {"puissance_kw": 8, "evacuation": "sans"})],
    "chauffe_eau": [("Atlantic", "Calypso 200 L", "ATL", "electricite", {"emplacement": "Garage"})],
}
#: the first appliance of a client, by turn (every client has one); some get a second
FIRST_KINDS = ["poele_granules", "chaudiere_gaz", "poele_granules", "chaudiere_fioul", "insert_bois", "chaudiere_gaz", "pompe_chaleur"]
PLACES = ["Salon", "Cellier", "Sous-sol", "Garage", "Cuisine", "Buanderie", "Séjour"]


class DemoEquipment:
    """Makes and keeps the demo's equipment, by client."""

    def __init__(self, clients: list[Client], office: User, today: date, now: datetime, seed: int):
        self.rnd = random.Random(seed + 15)
        self.today, self.now, self.office = today, now, office
        self.by_client: dict[int, list[Equipment]] = {}
        self.cat = get_registry().equipment
        #: the serial number on the plate, where the one recorded was mistyped
        self.plate: dict[int, str] = {}
        self.misread = False
        for i, client in enumerate(clients):
            self.add(client, FIRST_KINDS[i % len(FIRST_KINDS)])
            if self.rnd.random() < 0.35:
                self.add(client, self.rnd.choice(["chauffe_eau", "chaudiere_gaz", "insert_bois"]))
        # a replaced boiler: retired, its history kept; the heat pump replaced it
        if len(clients) > 2:
            old = self.add(clients[2], "chaudiere_fioul", installed=date(today.year - 19, 10, 1))
            old.retired_on = today - timedelta(days=200)
            old.notes = "Déposée : remplacée par une pompe à chaleur."
            self.add(clients[2], "pompe_chaleur", installed=today - timedelta(days=200))

    def add(self, client: Client, kind: str, installed: date | None = None) -> Equipment:
        brand, model, prefix, fuel, fields = self.rnd.choice(APPLIANCES[kind])
        installed = installed or self.today - timedelta(days=self.rnd.randrange(400, 12 * 365))
        serial = f"{prefix}-{installed.year % 100:02d}{self.rnd.randrange(10, 99)}-{self.rnd.randrange(1000, 9999)}"
        eq = Equipment(client_id=client.id, kind=kind, brand=brand, model=model, serial_number=serial, fuel=fuel, installed_on=installed,
                       warranty_until=clock.add_months(installed, 24), fields={**fields, "emplacement": fields.get("emplacement") or self.rnd.choice(PLACES)},
                       created_at=self.now - timedelta(days=60), updated_at=self.now - timedelta(days=60))
        if self.rnd.random() < 0.4:
            eq.fields = {**eq.fields, "contrat_entretien": True, "numero_contrat": f"CT-{self.rnd.randrange(100, 999)}"}
        db.session.add(eq)
        db.session.flush()
        db.session.add(AuditLog(user_id=self.office.id, at=eq.created_at, entity="equipment", entity_id=str(eq.id), action="create",
                                details={"changes": {"kind": [None, kind], "serial_number": [None, serial]}, "source": "web", "at": eq.created_at.isoformat()}))
        self.by_client.setdefault(client.id, []).append(eq)
        return eq

    def target(self, client: Client, event_type_id: str, day: date, done: bool) -> Equipment | None:
        """The equipment a visit of ``event_type_id`` at ``client``'s is about: one of a kind
        maintained by that type (made if the client has none), any appliance for after-sales,
        and for a done installation the appliance it installed."""
        mine = [e for e in self.by_client.get(client.id, []) if e.retired_on is None]
        if event_type_id == "installation":
            return self.add(client, "poele_granules", installed=day) if done else None
        kinds = [k.key for k in self.cat.kinds.values() if k.event_type == event_type_id]
        fitting = [e for e in mine if e.kind in kinds]
        if event_type_id == "sav":
            return self.rnd.choice(mine) if mine else None
        if fitting:
            return fitting[0]
        return self.add(client, kinds[0]) if kinds else None

    def answer(self, data: dict, form_id: str, event_type_id: str, eq: Equipment | None, when: datetime) -> dict:
        """The answers of a visit on ``eq``, as its technician gave them: what the event type
        reads into the equipment is the equipment's (the serial number read on the plate: at
        the first such visit, the one the office recorded was mistyped), and the next
        maintenance a period later."""
        et = get_registry().event_types.get(event_type_id)
        kind = self.cat.kind(eq.kind) if eq is not None else None
        if eq is None or et is None:
            return data
        for target, where in et.equipment_updates.items():
            parsed = parse_update_source(where)
            if parsed is None or parsed[0] != form_id:
                continue
            *parents, leaf = from_pointer(parsed[1])
            node = data
            for p in parents:
                node = node.get(p) if isinstance(node, dict) else None
            if not isinstance(node, dict):
                continue
            if target == "next_maintenance_on":
                node[leaf] = clock.add_months(clock.local(when).date(), (kind.maintenance_months if kind else None) or 12).isoformat()
            elif target == "serial_number" and eq.serial_number:
                node[leaf] = self.plate.get(eq.id, eq.serial_number)
                if not self.misread:  # the office had typed it wrong: the technician reads the plate
                    self.misread = True
                    self.plate[eq.id] = eq.serial_number
                    eq.serial_number = eq.serial_number[:-2] + eq.serial_number[-1] + eq.serial_number[-2]
            elif target in ("model", "brand") and getattr(eq, target):
                node[leaf] = getattr(eq, target)[:60]
            elif target in (eq.fields or {}):
                node[leaf] = eq.fields[target]
        return data

    def due_soon(self, planned: dict[int, date]) -> int:
        """The next maintenance, as noted at the last visit (before the demo's weeks), of the
        equipment no done visit of the demo maintained: around its visit when one is planned,
        else one in seven overdue, a third due next month, the rest later in the year. Returns
        how many are due next month."""
        next_month = clock.add_months(self.today.replace(day=1), 1)
        month_days = (clock.month_end(next_month) - next_month).days + 1
        n_next = turn = 0
        for eqs in self.by_client.values():
            for eq in eqs:
                kind = self.cat.kind(eq.kind)
                if eq.next_maintenance_on or eq.retired_on or not kind or not kind.maintenance_months or eq.installed_on > self.today - timedelta(days=300):
                    continue
                if eq.id in planned:
                    eq.next_maintenance_on = planned[eq.id] + timedelta(days=self.rnd.randrange(0, 10))
                    n_next += eq.next_maintenance_on >= next_month and eq.next_maintenance_on < next_month + timedelta(days=month_days)
                    continue
                turn += 1
                if turn % 7 == 1:
                    eq.next_maintenance_on = self.today - timedelta(days=self.rnd.randrange(5, 40))
                elif turn % 3 == 0:
                    eq.next_maintenance_on = next_month + timedelta(days=self.rnd.randrange(month_days))
                    n_next += 1
                else:
                    eq.next_maintenance_on = next_month + timedelta(days=month_days + self.rnd.randrange(20, 300))
        return n_next


def apply_done_answers(made: list[dict]) -> int:
    """Each done visit on equipment updates it from its answers through the service, as
    Finish does, dated when it was finished (audit rows included). Returns how many."""
    from .services.equipment import update_from_answers

    db.session.flush()
    n = 0
    for m in made:
        iv: Intervention = m["iv"]
        if m["state"] != "done" or iv.equipment_id is None or not m["subs"]:
            continue
        with clock.moved_to(m["end"]):
            if update_from_answers(m["tech"], iv, source="device", at=m["end"]):
                n += 1
    return n
