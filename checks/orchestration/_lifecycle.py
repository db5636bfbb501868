"""Shared by ORC009/ORC010: production components relying on parts in a given lifecycle."""


def dependencies_in_state(ctx, state: str):
    stack = ctx.stack
    for component in stack.components:
        if component.lifecycle != "production":
            continue
        offending = []
        for api_ref in component.consumes_apis:
            api = stack.entities.get(api_ref)
            if api is None:
                continue
            if api.lifecycle == state:
                offending.append(f"API {api.label}")
            offending += [f"{p.label} (provider of {api.label})" for p in stack.providers_of(api_ref)
                          if p.lifecycle == state and p.ref != component.ref]
        for target in component.depends_on:
            entity = stack.entities.get(target)
            if entity is not None and entity.lifecycle == state:
                offending.append(f"{entity.kind} {entity.label}")
        if offending:
            yield ctx.fail(
                component.ref,
                f"production component {component.label} relies on {state} " + ", ".join(offending),
                component.location,
                evidence={"dependencies": offending},
            )
        else:
            yield ctx.passed(component.ref)
