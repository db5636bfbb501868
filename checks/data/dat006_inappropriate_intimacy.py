from machaudit.registry import check


@check("DAT006", "inappropriate-intimacy", severity="high")
def inappropriate_intimacy(ctx):
    """What: a component that depends directly on a Resource (database, bucket …) belonging to
    another System, or, where Systems are not declared, owned by another team. A message broker
    (event bus, topic, queue …) is shared infrastructure: publishing or subscribing through it passes.

    Why it matters for MACH: reaching into another system's datastore bypasses its API: the owning
    team cannot change its schema, migrate, or be replaced by a SaaS without breaking a consumer it
    may not know about. It is the data-level form of a hidden dependency.

    Example: `webshop-search` (system storefront) `dependsOn: resource:pim-db`, which belongs to
    system product-information.

    Fix: read the data through the owning system's API or events, or move the Resource into the
    consumer's system if it really is the consumer's data.
    """
    stack = ctx.stack
    where = {(src, target): loc for src, rel, target, loc in stack.relations if rel == "dependsOn"}
    for component in sorted(stack.components, key=lambda c: c.ref):
        for target in component.depends_on:
            resource = stack.entities.get(target)
            if resource is None or resource.kind != "resource":
                continue
            subject = f"{component.ref} -> {resource.ref}"
            location = where.get((component.ref, resource.ref)) or component.location
            if resource.is_broker:
                yield ctx.passed(subject, f"{component.label} publishes or subscribes through the message broker "
                                          f"{_broker(resource)}: shared infrastructure, not another system's datastore")
                continue
            if component.system and resource.system:
                if component.system == resource.system:
                    yield ctx.passed(subject, f"both in {component.system}")
                else:
                    yield ctx.fail(
                        subject,
                        f"component {component.label} (system {_name(component.system)}) uses resource {resource.label} "
                        f"of system {_name(resource.system)} directly instead of going through that system's API",
                        location,
                        evidence={"component": component.ref, "resource": resource.ref,
                                  "component_system": component.system, "resource_system": resource.system},
                    )
                continue
            if component.owner and resource.owner:
                if component.owner == resource.owner:
                    yield ctx.passed(subject, f"both owned by {component.owner}")
                else:
                    yield ctx.fail(
                        subject,
                        f"component {component.label} (owner {_name(component.owner)}) uses resource {resource.label} "
                        f"owned by {_name(resource.owner)} directly (no system declared on "
                        f"{'either' if not component.system and not resource.system else ('the component' if not component.system else 'the resource')})",
                        location,
                        evidence={"component": component.ref, "resource": resource.ref,
                                  "component_owner": component.owner, "resource_owner": resource.owner},
                    )
                continue
            missing = [f"{e.kind} {e.label}" for e in (component, resource) if not e.system and not e.owner]
            missing = missing or [f"{e.kind} {e.label}" for e in (component, resource) if not e.system]
            yield ctx.unknown(
                subject,
                f"cannot tell whether resource {resource.label} belongs to component {component.label}'s system: "
                f"no spec.system (or matching spec.owner) on {' and '.join(missing)}",
                location,
            )


def _broker(resource) -> str:
    return resource.label + (f" ({resource.type})" if resource.type and resource.type != resource.name else "")


def _name(ref: str) -> str:
    return ref.rpartition("/")[2]
