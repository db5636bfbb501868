"""machaudit's built-in checks, installed as `machaudit_checks`.

Loaded from this explicit list (never by scanning), the same way a plugin's module is loaded, so an
install that lost these files fails loudly instead of passing with no checks.
"""

BUILTIN_MODULES = (
    "machaudit_checks.spec.spc001_invalid_openapi",
    "machaudit_checks.spec.spc002_unparseable_document",
    "machaudit_checks.spec.spc003_unresolved_ref",
    "machaudit_checks.spec.spc004_duplicate_operation_id",
    "machaudit_checks.inventory.inv001_missing_owner",
    "machaudit_checks.inventory.inv002_missing_lifecycle",
    "machaudit_checks.inventory.inv003_dangling_reference",
    "machaudit_checks.inventory.inv004_api_without_definition",
    "machaudit_checks.inventory.inv005_duplicate_entity",
    "machaudit_checks.inventory.inv006_undeclared_spec",
    "machaudit_checks.inventory.inv007_invalid_entity",
    "machaudit_checks.orchestration.orc001_dependency_cycle",
    "machaudit_checks.orchestration.orc002_bidirectional_coupling",
    "machaudit_checks.orchestration.orc003_hub_service",
    "machaudit_checks.orchestration.orc004_greedy_service",
    "machaudit_checks.orchestration.orc005_long_sync_chain",
    "machaudit_checks.orchestration.orc006_no_api_gateway",
    "machaudit_checks.orchestration.orc007_frontend_fan_out",
    "machaudit_checks.orchestration.orc008_integration_bottleneck",
    "machaudit_checks.orchestration.orc009_depends_on_deprecated",
    "machaudit_checks.orchestration.orc010_depends_on_experimental",
    "machaudit_checks.orchestration.orc011_isolated_component",
    "machaudit_checks.orchestration.orc012_wrong_cuts",
    "machaudit_checks.orchestration.orc013_journey_single_point_of_failure",
    # api-first (API)
    # cloud-native (CLD)
    # data location (DAT)
    # headless (HDL)
    "machaudit_checks.headless.hdl002_capability_without_api",
    "machaudit_checks.headless.hdl006_single_channel",
    # journey (JRN)
    "machaudit_checks.journey.jrn001_phone_only_touchpoint",
    "machaudit_checks.journey.jrn002_internal_only_touchpoint",
    "machaudit_checks.journey.jrn003_touchpoint_on_unstable_path",
    "machaudit_checks.journey.jrn004_touchpoint_depth",
    "machaudit_checks.journey.jrn005_related_orders_unlinked",
    "machaudit_checks.journey.jrn006_no_ticket_status",
    # blast radius and traceability (BLR)
)
