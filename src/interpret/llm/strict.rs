//! OpenAI's strict structured outputs: the model's tokens are constrained to the schema, but only
//! a subset of JSON Schema is accepted: every object lists all its properties as required and
//! forbids others, optional ones are written as nullable, `anyOf` instead of `oneOf`, no maps
//! and no validation keywords (bounds, patterns, formats). [`schema`] rewrites the reply's schema
//! into that subset; a map (a glossary term's `params`) becomes an object with every parameter
//! name the glossary declares, each nullable. The answer then carries `null` for what the model
//! left out, which [`strip_nulls`] removes before the usual parsing, so strict and non-strict
//! answers meet the same parser and the same validator.

use serde_json::{Map, Value, json};

/// Keywords strict mode rejects; the validator checks what they expressed.
const UNSUPPORTED: &[&str] = &[
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "default",
    "$schema",
    "title",
];

/// The strict form of `schema`; `params` are the parameter names maps may hold.
pub fn schema(schema: &Value, params: &[String]) -> Value {
    rewrite(schema, params)
}

fn rewrite(v: &Value, params: &[String]) -> Value {
    match v {
        Value::Object(o) => {
            let mut out: Map<String, Value> = Map::new();
            for (k, x) in o {
                if UNSUPPORTED.contains(&k.as_str()) {
                    continue;
                }
                let key = if k == "oneOf" {
                    "anyOf".to_string()
                } else {
                    k.clone()
                };
                out.insert(key, rewrite(x, params));
            }
            if out
                .get("additionalProperties")
                .is_some_and(Value::is_object)
                && !out.contains_key("properties")
            {
                // A map: a fixed object of the names it may hold.
                let value = out.remove("additionalProperties").unwrap_or(json!({}));
                let props: Map<String, Value> =
                    params.iter().map(|p| (p.clone(), value.clone())).collect();
                out.insert("properties".into(), Value::Object(props));
                out.insert("required".into(), json!([]));
            }
            if let Some(Value::Object(props)) = out.get("properties").cloned() {
                let required: Vec<String> = out
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| {
                        r.iter()
                            .filter_map(|x| x.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                let props: Map<String, Value> = props
                    .into_iter()
                    .map(|(k, p)| {
                        if required.contains(&k) {
                            (k, p)
                        } else {
                            (k, nullable(p))
                        }
                    })
                    .collect();
                out.insert(
                    "required".into(),
                    Value::Array(props.keys().map(|k| Value::String(k.clone())).collect()),
                );
                out.insert("properties".into(), Value::Object(props));
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| rewrite(x, params)).collect()),
        other => other.clone(),
    }
}

/// A property that may be left out becomes one that may be `null`.
fn nullable(p: Value) -> Value {
    match p.get("type").cloned() {
        Some(Value::String(t)) if p.get("enum").is_none() && p.get("const").is_none() => {
            let mut q = p;
            q["type"] = json!([t, "null"]);
            q
        }
        _ => json!({"anyOf": [p, {"type": "null"}]}),
    }
}

/// The answer without the `null`s strict mode makes the model write for what it left out.
pub fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.into_iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k, strip_nulls(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every object of a strict schema lists all its properties as required and forbids others;
    /// no `oneOf`, no map, no validation keyword remains.
    fn check(v: &Value, path: &str) {
        match v {
            Value::Object(o) => {
                assert!(!o.contains_key("oneOf"), "{path}: oneOf");
                for k in UNSUPPORTED {
                    assert!(!o.contains_key(*k), "{path}: {k}");
                }
                if let Some(Value::Object(props)) = o.get("properties") {
                    assert_eq!(
                        o.get("additionalProperties"),
                        Some(&Value::Bool(false)),
                        "{path}: additionalProperties"
                    );
                    let req: Vec<&str> = o["required"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_str().unwrap())
                        .collect();
                    assert_eq!(req.len(), props.len(), "{path}: every property required");
                }
                if let Some(a) = o.get("additionalProperties") {
                    assert_eq!(a, &Value::Bool(false), "{path}: a map remains");
                }
                o.iter().for_each(|(k, x)| check(x, &format!("{path}.{k}")));
            }
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| check(x, &format!("{path}[{i}]"))),
            _ => {}
        }
    }

    #[test]
    fn the_reply_schema_becomes_strict_and_keeps_term_parameters() {
        let s = schema(
            &super::super::reply::schema(),
            &["days".into(), "threshold".into()],
        );
        check(&s, "$");
        assert!(
            s.to_string().contains("\"days\""),
            "term parameters are kept as named properties"
        );
    }

    #[test]
    fn nulls_for_what_was_left_out_are_dropped_before_parsing() {
        let v = strip_nulls(
            json!({"definition": {"version": 1, "root": {"type": "term", "name": "lapsed", "params": {"days": 60, "threshold": null}}, "interpreter": null}}),
        );
        assert_eq!(
            v,
            json!({"definition": {"version": 1, "root": {"type": "term", "name": "lapsed", "params": {"days": 60}}}})
        );
    }
}
