"""What every process of a deployment must share (issue 14): the secret key that signs
sessions, remember-me cookies and CSRF tokens. (The login throttle: test_throttle.py; the
form registry following its files: test_registry.py.)"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor


def test_processes_started_together_on_a_fresh_instance_agree_on_one_secret_key(tmp_path, monkeypatch):
    """Eight starts make the key of an empty instance folder at once (threads released
    together: the same calls as processes, on the same file): one writes it, all read that
    one (a key per process would log users out at every other request)."""
    from webapp import _secret_key

    monkeypatch.delenv("FIELDFORMS_SECRET_KEY", raising=False)
    gate = threading.Barrier(8)

    def start(_n):
        gate.wait()
        return _secret_key(str(tmp_path))

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(start, range(8)))
    assert keys == {(tmp_path / "secret_key").read_text()} and len(next(iter(keys))) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_the_environment_key_wins(tmp_path, monkeypatch):
    from webapp import _secret_key

    monkeypatch.setenv("FIELDFORMS_SECRET_KEY", "shared-by-every-machine")
    assert _secret_key(str(tmp_path)) == "shared-by-every-machine"
    assert not (tmp_path / "secret_key").exists()
