"""Facts read from answers: photos, signatures, the digest a signature covers."""

import json
from pathlib import Path

from engine import load_definition, walk
from engine.facts import answers_digest, attachment_ids, photo_ids, signatures

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = load_definition(ROOT / "form_definitions" / "forms" / "photos-signatures.json")
EXAMPLE = json.loads((ROOT / "examples" / "photos-signatures" / "valid.json").read_text())


def test_photos_and_signatures_of_the_example():
    tree = walk(PHOTOS, EXAMPLE)
    photos = photo_ids(tree)
    assert photos and all(len(p) == 36 for p in photos)
    sigs = {s.signer: s for s in signatures(tree)}
    assert set(sigs) == {"technician", "client"}
    assert sigs["client"].attachment and sigs["client"].name
    assert set(attachment_ids(tree)) == set(photos) | {s.attachment for s in sigs.values()}


def test_hidden_fields_do_not_count():
    # when the client is absent, the client's signature is hidden by its rule
    data = dict(EXAMPLE, client_absent=True)
    assert "client" not in {s.signer for s in signatures(walk(PHOTOS, data))}


def test_digest_ignores_signatures_but_not_answers():
    base = answers_digest(PHOTOS, EXAMPLE)
    resigned = json.loads(json.dumps(EXAMPLE))
    resigned["signature_client"]["signed_at"] = "2030-01-01T10:00:00+01:00"
    assert answers_digest(PHOTOS, resigned) == base
    changed = dict(EXAMPLE, remarques_client="Autre remarque")
    assert answers_digest(PHOTOS, changed) != base
