//! The JSON API's route table. Each line registers a handler and documents it in the OpenAPI
//! document (`GET /api/openapi.json`) at once; every route sits behind [`super::auth::authenticate`]
//! and each handler passes the caller to a use case in `app`, which checks the role the line names.

use std::sync::{Arc, OnceLock};

use axum::Json;
use axum::http::Method;
use serde_json::Value;

use super::openapi::{Api, doc, document};
use super::{AppState, api, auth, destinations, ingest, interpret, lifecycle, models, users};
use crate::app::SaveSegment;

const ANY: &str = "any signed-in user";
const MARKETER: &str = "marketer";
const MANAGER: &str = "campaign manager";
const AUDITOR: &str = "campaign manager or admin";
const ADMIN: &str = "admin";
const CSV: &str = "text/csv";

fn account(a: Api) -> Api {
    a.route(
        Method::GET,
        "/api/me",
        users::me,
        doc("Who am I, with the session's CSRF token", ANY),
    )
    .route(
        Method::GET,
        "/api/users",
        users::list_users,
        doc("List users", ADMIN),
    )
    .route(
        Method::POST,
        "/api/users",
        users::add_user,
        doc("Add a user (a generated password is answered once)", ADMIN)
            .body::<users::NewUser>()
            .status(201),
    )
    .route(
        Method::POST,
        "/api/users/{email}/tokens",
        users::create_token,
        doc("Create an API token (answered once)", ADMIN)
            .query::<users::NewToken>()
            .status(201),
    )
    .route(
        Method::GET,
        "/api/tokens",
        users::list_tokens,
        doc(
            "List API tokens: one's own, or everyone's for an admin",
            ANY,
        ),
    )
    .route(
        Method::DELETE,
        "/api/tokens/{id}",
        users::revoke_token,
        doc(
            "Revoke an API token: one's own, or anyone's for an admin",
            ANY,
        ),
    )
    .route(
        Method::GET,
        "/api/destinations",
        destinations::list_destinations,
        doc(
            "Configured destinations (secrets as their last 4 characters)",
            ADMIN,
        ),
    )
    .route(
        Method::POST,
        "/api/destinations",
        destinations::add_destination,
        doc(
            "Store a destination's settings and encrypted secrets",
            ADMIN,
        )
        .body::<destinations::DestinationBody>()
        .status(201),
    )
    .route(
        Method::DELETE,
        "/api/destinations/{kind}",
        destinations::remove_destination,
        doc("Remove a stored destination", ADMIN),
    )
}

fn definitions(a: Api) -> Api {
    a.route(
        Method::GET,
        "/api/catalog",
        api::catalog,
        doc("The fields definitions may use", ANY),
    )
    .route(
        Method::GET,
        "/api/glossary",
        api::glossary,
        doc("The business terms", ANY),
    )
    .route(
        Method::GET,
        "/api/schema/segment",
        api::schema,
        doc("JSON Schema of the definition language", ANY),
    )
    .route(
        Method::POST,
        "/api/validate",
        api::validate,
        doc("Validate a definition", ANY).body::<api::DefinitionBody>(),
    )
    .route(
        Method::POST,
        "/api/preview",
        api::preview,
        doc("Preview a definition's audience", ANY).body::<api::DefinitionBody>(),
    )
    .route(
        Method::POST,
        "/api/explain",
        api::explain,
        doc("Why a customer is in or out", ANY).body::<api::DefinitionBody>(),
    )
    .route(
        Method::POST,
        "/api/interpret",
        interpret::interpret,
        doc("Interpret a request, explain and preview it", ANY).body::<interpret::InterpretBody>(),
    )
    .route(
        Method::GET,
        "/api/conversations/{id}",
        interpret::conversation,
        doc("A conversation's turns", ANY),
    )
}

fn scores(a: Api) -> Api {
    a.route(
        Method::POST,
        "/api/preview/performance",
        models::performance,
        doc("Predicted performance of an audience", ANY).body::<models::PerformanceBody>(),
    )
    .route(
        Method::GET,
        "/api/models",
        models::list,
        doc("Every model version with its metrics", ANY),
    )
    .route(
        Method::POST,
        "/api/models/train",
        models::train,
        doc(
            "Train models (202 with a job, or 200 with `wait`); audited",
            AUDITOR,
        )
        .body::<models::TrainBody>()
        .status(202),
    )
    .route(
        Method::GET,
        "/api/models/jobs/{id}",
        models::job,
        doc("A training job", ANY),
    )
    .route(
        Method::GET,
        "/api/models/scores/{customer}",
        models::customer_scores,
        doc("A customer's scores and their factors", ANY),
    )
}

fn segments(a: Api) -> Api {
    let s = "/api/segments/{id}";
    a.route(
        Method::GET,
        "/api/segments",
        api::list_segments,
        doc("List segments", ANY),
    )
    .route(
        Method::POST,
        "/api/segments",
        api::create_segment,
        doc("Save a new segment (version 1, draft)", MARKETER)
            .body::<SaveSegment>()
            .status(201),
    )
    .route(
        Method::GET,
        s,
        api::get_segment,
        doc("A segment and its current definition (by id or name)", ANY),
    )
    .route(
        Method::PUT,
        s,
        api::update_segment,
        doc("Save a new draft version", MARKETER).body::<api::UpdateBody>(),
    )
    .route(
        Method::GET,
        "/api/segments/{id}/versions",
        api::list_versions,
        doc("A segment's versions", ANY),
    )
    .route(
        Method::GET,
        "/api/segments/{id}/versions/{version}",
        api::get_version,
        doc("One version's definition", ANY),
    )
    .route(
        Method::GET,
        "/api/segments/{id}/preview",
        api::preview_segment,
        doc("Preview a saved segment", ANY).query::<api::AsOfQuery>(),
    )
    .route(
        Method::GET,
        "/api/segments/{id}/members",
        api::segment_members,
        doc("Stream members as CSV or JSON lines", ANY)
            .query::<api::MembersQuery>()
            .content(CSV),
    )
    .route(
        Method::GET,
        "/api/segments/{id}/explain/{customer}",
        api::explain_segment,
        doc("Why a customer is in or out of a saved segment", ANY).query::<api::AsOfQuery>(),
    )
}

fn review(a: Api) -> Api {
    let body = doc(
        "Approve the version under review (bound to its approval hash)",
        MANAGER,
    )
    .body::<lifecycle::DecisionBody>();
    a.route(
        Method::POST,
        "/api/segments/{id}/submit",
        lifecycle::submit,
        doc("Submit the current version for review", MARKETER).body::<lifecycle::SubmitBody>(),
    )
    .route(
        Method::POST,
        "/api/segments/{id}/approve",
        lifecycle::approve,
        body,
    )
    .route(
        Method::POST,
        "/api/segments/{id}/reject",
        lifecycle::reject,
        doc(
            "Reject the version under review (comment required)",
            MANAGER,
        )
        .body::<lifecycle::DecisionBody>(),
    )
    .route(
        Method::POST,
        "/api/segments/{id}/activate",
        lifecycle::activate,
        doc(
            "Activate the approved version and queue its first sync (`sync_run`)",
            MANAGER,
        ),
    )
    .route(
        Method::POST,
        "/api/segments/{id}/pause",
        lifecycle::pause,
        doc("Pause the active version", MANAGER),
    )
    .route(
        Method::POST,
        "/api/segments/{id}/archive",
        lifecycle::archive,
        doc("Archive a segment", MANAGER),
    )
    .route(
        Method::GET,
        "/api/segments/{id}/review",
        lifecycle::review,
        doc("The version under review against the data now", ANY),
    )
    .route(
        Method::GET,
        "/api/segments/{id}/export.csv",
        lifecycle::export_csv,
        doc("Download the approved audience", MANAGER)
            .query::<lifecycle::ExportQuery>()
            .content(CSV),
    )
}

fn syncs(a: Api) -> Api {
    a.route(
        Method::POST,
        "/api/segments/{id}/deliver",
        lifecycle::deliver,
        doc("Start a sync run (202), or a dry run (200)", MANAGER)
            .body::<lifecycle::DeliverBody>()
            .status(202),
    )
    .route(
        Method::POST,
        "/api/segments/{id}/refresh",
        lifecycle::refresh,
        doc("Start a refresh sync run", MANAGER).status(202),
    )
    .route(
        Method::POST,
        "/api/segments/{id}/replace",
        lifecycle::replace,
        doc(
            "Start a sync run that replaces the audience (Meta: one usersreplace session)",
            MANAGER,
        )
        .status(202),
    )
    .route(
        Method::GET,
        "/api/segments/{id}/syncs",
        lifecycle::segment_syncs,
        doc("A segment's newest sync runs", ANY),
    )
    .route(
        Method::GET,
        "/api/syncs/{run}",
        lifecycle::sync_run,
        doc("One sync run's progress and delivery report", ANY),
    )
    .route(
        Method::GET,
        "/api/audit",
        lifecycle::audit,
        doc("The audit log, as JSON or CSV", AUDITOR).query::<lifecycle::AuditQuery>(),
    )
    .route(
        Method::GET,
        "/api/audit/verify",
        lifecycle::verify_audit,
        doc(
            "Verify the audit log's hash chain (keyed, and against a checkpoint when given)",
            AUDITOR,
        )
        .query::<lifecycle::VerifyQuery>(),
    )
}

/// Every `/api` route, documented, with `GET /api/openapi.json` serving the document.
pub fn api_routes(state: AppState) -> axum::Router<AppState> {
    let served: Arc<OnceLock<Value>> = Arc::default();
    let doc_cell = served.clone();
    let openapi = move |_: auth::Caller| {
        let doc_cell = doc_cell.clone();
        async move { Json(doc_cell.get().cloned().unwrap_or_default()) }
    };
    let table = [
        account,
        definitions,
        scores,
        segments,
        review,
        syncs,
        ingest::routes,
    ]
    .into_iter()
    .fold(Api::new(), |a, f| f(a));
    let table = table.route(
        Method::GET,
        "/api/openapi.json",
        openapi,
        doc("This OpenAPI document", ANY),
    );
    served.set(document(&table.operations)).expect("set once");
    table
        .router
        .route_layer(axum::middleware::from_fn_with_state(
            state,
            auth::authenticate,
        ))
}
