"""The store forgets texts it has parsed (memory on large portfolios) and still locates findings."""

from __future__ import annotations

import os

from machaudit.findings import Location
from machaudit.sources import LoadOptions, load_stack
from machaudit.sources.store import DocumentStore

SPEC = """\
openapi: 3.0.3
info:
  title: Orders
  version: "1"
paths:
  /orders:
    get:
      responses:
        "200":
          description: ok
"""


def _store(tmp_path):
    path = tmp_path / "orders.yaml"
    path.write_text(SPEC)
    store = DocumentStore([tmp_path])
    key = DocumentStore.key_for(path)
    store.load(key)
    store.release([key])
    return store, key, path


def test_released_text_is_read_again_for_positions(tmp_path):
    store, key, _ = _store(tmp_path)
    assert key not in store._texts
    location = store.locate(key, "/paths/~1orders/get")
    assert (location.line, location.column) == (7, 5)
    assert key not in store._texts  # read for the position, not kept
    assert store.load(key)["info"]["title"] == "Orders"  # the parsed document stays


def test_file_changed_after_release_is_located_by_pointer_only(tmp_path):
    store, key, path = _store(tmp_path)
    path.write_text("# a new first line\n" + SPEC)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a distinct mtime on any file system
    location = store.locate(key, "/paths/~1orders/get")
    assert location.pointer == "/paths/~1orders/get"
    assert location.line is None  # not line 8 of a text the audit never parsed, nor line 7 of the old one


def test_load_stack_keeps_no_texts_of_specs(tmp_path):
    (tmp_path / "orders.yaml").write_text(SPEC)
    (tmp_path / "broken.yaml").write_text(SPEC.replace("description: ok", "description: [ok"))
    stack, store = load_stack([str(tmp_path)], LoadOptions(validate=False))
    assert not store._texts
    broken = next(s for s in stack.specs.values() if s.key.endswith("broken.yaml"))
    assert broken.problems[0].kind == "unparseable" and broken.problems[0].location.line == 11
    orders = next(s for s in stack.specs.values() if s.key.endswith("orders.yaml"))
    found = store.locate_location(Location(orders.display, "/paths/~1orders/get"))  # as the engine does
    assert (found.line, found.column) == (7, 5)
