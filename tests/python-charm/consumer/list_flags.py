"""Prints the unit's charms.reactive flags as a JSON list (jujusim's
flags-command): they are the reactive.states.* keys of .unit-state.db."""
import json
import os
import sqlite3

path = os.environ.get("UNIT_STATE_DB") or os.path.join(os.environ["CHARM_DIR"], ".unit-state.db")
flags = []
if os.path.exists(path):
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT key FROM kv WHERE key LIKE 'reactive.states.%'")
        flags = sorted(k[len("reactive.states."):] for (k,) in rows)
print(json.dumps(flags))
