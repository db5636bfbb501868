from machaudit.findings import Severity
from machaudit.registry import check


@check("DAT005", "shared-persistence", severity="high", options={
    # Resource types that store data; "" stands for a Resource with no type, "*" for every Resource.
    # Message brokers (event-bus, topic, queue, kafka … model.BROKER_WORDS) are shared by design and
    # never judged, whatever this list says.
    "datastore_types": ["database", "db", "datastore", "data-store", "storage", "bucket", "s3-bucket",
                        "blob-storage", "object-storage", "cache", "search-index", "data-warehouse",
                        "file-share", "filesystem", ""],
})
def shared_persistence(ctx):
    """What: a datastore Resource (database, bucket, cache, search index …) that more than one
    component depends on; message brokers (event bus, topic, queue) are not datastores. High when the components belong to different Systems (or declare none),
    medium when they all belong to one System.

    Why it matters for MACH: services that share a database are coupled through its schema: none of
    them can change a table, scale, or be replaced on its own, and the database becomes the
    integration layer nobody owns. Across systems it also means another team reads and writes your
    data without going through your API.

    Example: `order-management` and `invoicing` both `dependsOn: resource:erp-db`.

    Fix: give the datastore one owning component and let the others use that component's API (or
    subscribe to its events); split the database per service where they only share the server.
    """
    types = {str(t).strip().lower() for t in ctx.options["datastore_types"]}
    stack = ctx.stack
    for resource in sorted(stack.of_kind("resource"), key=lambda e: e.ref):
        if resource.is_broker:
            kind = f" ({resource.type})" if resource.type and resource.type != resource.name else ""
            yield ctx.not_applicable(resource.ref, f"{resource.label}{kind} is a message broker: shared infrastructure "
                                                   "that carries events, not a datastore")
            continue
        if "*" not in types and resource.type not in types:
            yield ctx.not_applicable(resource.ref, f"resource type {resource.type!r} is not a datastore type")
            continue
        users = sorted((c for c in stack.components if resource.ref in c.depends_on), key=lambda c: c.ref)
        if len(users) <= 1:
            yield ctx.passed(resource.ref, f"used by {users[0].label}" if users else "used by no component")
            continue
        systems = {c.system for c in users}
        one_system = len(systems) == 1 and "" not in systems
        names = ", ".join(
            c.label if one_system else c.label + (f" ({c.system.rpartition('/')[2]})" if c.system else " (no system)")
            for c in users
        )
        kind = f"{resource.type} resource" if resource.type else "resource"
        if one_system:
            scope = f"all in system {next(iter(systems)).rpartition('/')[2]}"
        elif "" in systems and len(systems) == 1:
            scope = "none of which declares a system"
        else:
            scope = "across systems"
        yield ctx.fail(
            resource.ref,
            f"{kind} {resource.label} is used directly by {len(users)} components, {scope}: {names}",
            resource.location,
            evidence={"resource": resource.ref, "components": [c.ref for c in users],
                      "systems": sorted(s for s in systems if s)},
            severity=Severity.MEDIUM if one_system else None,
        )
