"""Memory on large portfolios: the store forgets texts it has parsed (and still locates findings),
and keeps parsed documents marshalled while no check reads their spec."""

from __future__ import annotations

import os

import pytest

from machaudit.sources.refs import locate_location

from machaudit.findings import Location
from machaudit.sources import LoadOptions, load_stack
from machaudit.limits import Limits
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
    found = locate_location(store, Location(orders.display, "/paths/~1orders/get"))  # as the engine does
    assert (found.line, found.column) == (7, 5)


def _specs(tmp_path, count, budget_mb):
    for i in range(count):
        (tmp_path / f"s{i}.yaml").write_text(SPEC.replace("Orders", f"Orders {i}"))
    stack, store = load_stack([str(tmp_path)], LoadOptions(validate=False, limits=Limits(parsed_documents_mb=budget_mb)))
    return [stack.specs[k] for k in sorted(stack.specs)], store


def test_parsed_specs_are_shelved_and_brought_back_when_read(tmp_path):
    specs, store = _specs(tmp_path, 3, 0)
    assert not store._data and len(store._shelf) == 3  # nothing parsed is held once loading is done
    first = specs[0].data
    assert first["info"]["title"] == "Orders 0" and specs[0].parsed
    assert specs[0].data is first  # the same objects while the spec is being read
    assert specs[0].documents[specs[0].key] is first
    specs[1].data  # budget 0: the spec read last and the one read before it stay held (a check comparing two)
    assert specs[0].documents._held
    specs[2].data  # a third: the first forgets its documents
    assert specs[0].documents._held == {}
    again = specs[0].data
    assert again == first  # (from the store's few last brought back, or marshalled again)


def test_passes_in_the_same_order_keep_the_specs_brought_back_first(tmp_path):
    """Checks read the specs in the same order, pass after pass: over the budget, the specs brought
    back first stay held for the next pass (forgetting the least recently read would forget each
    spec just before the next pass reads it, and bring every one back in every pass)."""
    specs, store = _specs(tmp_path, 8, 0)
    store.kept_bytes = 4 * store.shelved_size(specs[0].key)  # room for four of them
    for spec in specs:
        spec.data
    held_before_second_pass = [bool(s.documents._held) for s in specs]
    assert held_before_second_pass[:2] == [True, True]  # the first read, kept for the next pass
    assert held_before_second_pass[-2:] == [True, True]  # the last two read, always kept
    assert sum(held_before_second_pass) == 4
    first = specs[0].data
    for spec in specs:
        spec.data
    assert specs[0].data is first  # never forgotten: the same objects in every pass


def test_specs_within_the_budget_stay_parsed(tmp_path):
    specs, _ = _specs(tmp_path, 3, 16)
    held = [s.data for s in specs]
    assert all(s.data is h for s, h in zip(specs, held))


def test_spec_documents_mapping(tmp_path):
    specs, _ = _specs(tmp_path, 1, 0)
    documents = specs[0].documents
    assert list(documents) == [specs[0].key] and len(documents) == 1
    assert documents.get("/elsewhere.yaml") is None and "/elsewhere.yaml" not in documents
    with pytest.raises(KeyError):
        documents["/elsewhere.yaml"]


def test_unparseable_spec_has_no_documents(tmp_path):
    (tmp_path / "broken.yaml").write_text("openapi: 3.0.3\ninfo: [\n")
    stack, _ = load_stack([str(tmp_path)], LoadOptions(validate=False))
    (spec,) = stack.specs.values()
    assert not spec.parsed and spec.data is None and dict(spec.documents) == {}
