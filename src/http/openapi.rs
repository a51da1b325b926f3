//! The OpenAPI 3.1 document of the JSON API, built from the same table that registers the
//! routes (see `routes.rs`): a route cannot be served without being documented, nor documented
//! without being served. Request bodies and query parameters take their JSON Schemas from the
//! handlers' own types (schemars), so the document follows the code.

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, on};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use super::AppState;

type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn reference<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

fn inline<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    T::json_schema(g)
}

/// What the document says about one operation.
#[derive(Clone, Copy)]
pub struct Doc {
    summary: &'static str,
    /// Who may call it (the role check the handler's extractor makes).
    access: &'static str,
    body: Option<SchemaFn>,
    query: Option<SchemaFn>,
    status: u16,
    /// Content type of a success, when not JSON.
    content: &'static str,
}

/// An operation: `summary`, callable by `access`; answers 200 with JSON unless told otherwise.
pub const fn doc(summary: &'static str, access: &'static str) -> Doc {
    Doc {
        summary,
        access,
        body: None,
        query: None,
        status: 200,
        content: "application/json",
    }
}

impl Doc {
    /// The JSON request body is a `T`.
    pub fn body<T: JsonSchema>(mut self) -> Self {
        self.body = Some(reference::<T>);
        self
    }

    /// The query parameters are the fields of `T`.
    pub fn query<T: JsonSchema>(mut self) -> Self {
        self.query = Some(inline::<T>);
        self
    }

    pub const fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub const fn content(mut self, content: &'static str) -> Self {
        self.content = content;
        self
    }
}

/// One registered and documented operation.
pub struct Operation {
    pub method: Method,
    pub path: &'static str,
    doc: Doc,
}

/// Routes and their documentation, added together.
pub struct Api {
    pub router: Router<AppState>,
    pub operations: Vec<Operation>,
}

impl Api {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            operations: Vec::new(),
        }
    }

    /// Serve `handler` for `method path`, and document it.
    pub fn route<H: Handler<T, AppState>, T: 'static>(
        mut self,
        method: Method,
        path: &'static str,
        handler: H,
        doc: Doc,
    ) -> Self {
        let filter = MethodFilter::try_from(method.clone()).expect("a standard method");
        self.router = self.router.route(path, on(filter, handler));
        self.operations.push(Operation { method, path, doc });
        self
    }
}

/// The OpenAPI document of `operations`.
pub fn document(operations: &[Operation]) -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    settings.meta_schema = None;
    let mut g = settings.into_generator();
    let mut paths = Map::new();
    for op in operations {
        let item = paths
            .entry(op.path)
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("path item");
        item.insert(
            op.method.as_str().to_ascii_lowercase(),
            operation(op, &mut g),
        );
    }
    let mut schemas = g.take_definitions(true);
    schemas.insert("Error".into(), error_schema());
    json!({
        "openapi": "3.1.0",
        "info": {"title": "segwright", "version": env!("CARGO_PKG_VERSION"), "description": "Segment definitions, review, and activation to ad platforms. Errors share one shape: `{\"error\": {\"code\", \"message\", \"details\"}}`."},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer", "description": "An API token (`segwright token create`)."},
                "session": {"type": "apiKey", "in": "cookie", "name": "segwright_session", "description": "A browser session from `POST /login`; state changes need the `X-CSRF-Token` header."}
            }
        },
        "security": [{"token": []}, {"session": []}]
    })
}

fn operation(op: &Operation, g: &mut SchemaGenerator) -> Value {
    let d = &op.doc;
    let mut params: Vec<Value> = path_params(op.path)
        .map(|p| json!({"name": p, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    if let Some(q) = d.query {
        params.extend(query_params(&q(g)));
    }
    let success = if d.content == "application/json" {
        json!({"description": "Success.", "content": {"application/json": {"schema": {}}}})
    } else {
        json!({"description": "Success.", "content": {d.content: {"schema": {"type": "string"}}}})
    };
    let error = json!({"description": "Refused; see `error.code`.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut o = json!({
        "summary": d.summary,
        "description": format!("Who may call it: {}.", d.access),
        "operationId": operation_id(&op.method, op.path),
        "responses": {d.status.to_string(): success, "401": error.clone(), "403": error.clone(), "4XX": error},
    });
    if !params.is_empty() {
        o["parameters"] = Value::Array(params);
    }
    if let Some(b) = d.body {
        o["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": b(g)}}});
    }
    o
}

fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

fn query_params(schema: &Schema) -> Vec<Value> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    props.iter().map(|(name, s)| json!({"name": name, "in": "query", "required": required.contains(&name.as_str()), "schema": s})).collect()
}

/// `get_api_segments_id_review`-style ids: unique per method and path.
fn operation_id(method: &Method, path: &str) -> String {
    let tail: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_matches(['{', '}']).replace(['.', '-'], "_"))
        .collect();
    format!(
        "{}_{}",
        method.as_str().to_ascii_lowercase(),
        tail.join("_")
    )
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "details": {"description": "For validation errors, `issues`: `{path, code, message, suggestions}` each."}
        }}}
    })
}
