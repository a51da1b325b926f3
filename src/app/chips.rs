//! Condition chips: the audience of a chat conversation as one chip per top-level condition,
//! each with the one value a person would change (a country, a number of days, a percent, an
//! amount). Changing a chip's value or removing the chip is a new turn of the conversation,
//! restated in sentences and previewed like any answer, so the read-back, the counts and
//! "undo" follow.

use serde_json::Value;

use super::{Actor, Answer, App, AppError};
use crate::domain::access::Permission;
use crate::domain::definition::{Definition, Node, Value as Lit};
use crate::domain::explain::describe;
use crate::domain::time::AsOf;
use crate::interpret::refine;

/// Longest value a chip takes.
const MAX_VALUE: usize = 500;

/// The value a chip lets the user change: what it is (`value`, `days`, `percent`, a term's
/// parameter) and its current text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChipValue {
    pub label: String,
    pub value: String,
}

/// What to do with a chip.
#[derive(Debug, Clone, PartialEq)]
pub enum ChipEdit {
    /// Set its value to this text (read as the condition's own type).
    Change(String),
    Remove,
}

fn num_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

fn scalar_text(v: &Lit) -> Option<String> {
    match v {
        Lit::Text(s) => Some(s.clone()),
        Lit::Number(n) => Some(num_text(*n)),
        Lit::Bool(b) => Some(if *b { "yes" } else { "no" }.into()),
        Lit::List(_) => None,
    }
}

/// The one numeric parameter of a glossary term (`days` of "inactive for"), if it has one.
fn term_param(params: &serde_json::Map<String, Value>) -> Option<(&String, &Value)> {
    let mut numeric = params.iter().filter(|(_, v)| v.is_number());
    let first = numeric.next()?;
    numeric.next().is_none().then_some(first)
}

/// The value of a condition a chip can change, or `None` (the chip can only be removed).
pub fn chip_value(node: &Node) -> Option<ChipValue> {
    let (label, value) = match node {
        Node::Attribute { value: Some(v), .. } => match v {
            Lit::List(items) => {
                let texts: Option<Vec<String>> = items.iter().map(scalar_text).collect();
                ("values".to_string(), texts?.join(", "))
            }
            v => ("value".to_string(), scalar_text(v)?),
        },
        Node::Date {
            amount: Some(a),
            unit,
            ..
        } => (
            unit.map(|u| u.word(2)).unwrap_or("days").to_string(),
            a.to_string(),
        ),
        Node::Aggregate { value, .. } => ("value".to_string(), scalar_text(value)?),
        Node::Percentile { percent, .. } => ("percent".to_string(), percent.to_string()),
        Node::Term { params, .. } => {
            let (name, v) = term_param(params)?;
            (name.replace('_', " "), num_text(v.as_f64()?))
        }
        Node::Not { condition } => return chip_value(condition),
        _ => return None,
    };
    Some(ChipValue { label, value })
}

fn bad(n: usize, what: &str) -> AppError {
    AppError::BadInput(format!("condition {n} needs {what}"))
}

/// A number typed into a chip (thousands separators and a currency sign allowed).
fn number(text: &str, n: usize) -> Result<f64, AppError> {
    let clean: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' ' | '$' | '£' | '€' | '%'))
        .collect();
    clean
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| bad(n, &format!("a number, not “{text}”")))
}

/// `text` read as the type of `old` (a number stays a number, yes/no stays yes/no).
fn typed_like(old: &Lit, text: &str, n: usize) -> Result<Lit, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(bad(n, "a value: type one, or remove the condition"));
    }
    Ok(match old {
        Lit::Number(_) => Lit::Number(number(text, n)?),
        Lit::Bool(_) => match text.to_lowercase().as_str() {
            "yes" | "true" | "y" | "1" => Lit::Bool(true),
            "no" | "false" | "n" | "0" => Lit::Bool(false),
            _ => return Err(bad(n, &format!("yes or no, not “{text}”"))),
        },
        _ => Lit::Text(text.to_string()),
    })
}

/// Set the changeable value of a condition (the `n`th, for messages) from the text typed.
fn set_value(node: &mut Node, text: &str, n: usize) -> Result<(), AppError> {
    match node {
        Node::Attribute { value: Some(v), .. } => {
            let new = match &*v {
                Lit::List(items) => {
                    let like = items.first().cloned().unwrap_or(Lit::Text(String::new()));
                    let parts: Result<Vec<Lit>, AppError> = text
                        .split(',')
                        .filter(|p| !p.trim().is_empty())
                        .map(|p| typed_like(&like, p, n))
                        .collect();
                    let parts = parts?;
                    if parts.is_empty() {
                        return Err(bad(n, "at least one value"));
                    }
                    Lit::List(parts)
                }
                old => typed_like(old, text, n)?,
            };
            *v = new;
        }
        Node::Date {
            amount: Some(a), ..
        } => {
            let x = number(text, n)?;
            if x.fract() != 0.0 || !(1.0..=36_500.0).contains(&x) {
                return Err(bad(n, "a whole number from 1 to 36,500"));
            }
            *a = x as i64;
        }
        Node::Aggregate { value, .. } => *value = typed_like(&*value, text, n)?,
        Node::Percentile { percent, .. } => {
            let x = number(text, n)?;
            if !(x > 0.0 && x <= 100.0) {
                return Err(bad(n, "a percent above 0 and at most 100"));
            }
            *percent = x;
        }
        Node::Term { params, .. } => {
            let key = term_param(params)
                .map(|(k, _)| k.clone())
                .ok_or_else(|| bad(n, "no value: it can only be removed"))?;
            let x = number(text, n)?;
            let v = if x.fract() == 0.0 && x.abs() < 1e15 {
                Value::from(x as i64)
            } else {
                Value::from(x)
            };
            params.insert(key, v);
        }
        Node::Not { condition } => set_value(condition, text, n)?,
        _ => return Err(bad(n, "no value: it can only be removed")),
    }
    Ok(())
}

impl App {
    /// Change or remove the `index`th top-level condition of a conversation's audience: a new
    /// turn, restated and previewed (any signed-in user may explore audiences).
    pub async fn edit_chip(
        &self,
        conversation_id: &str,
        index: usize,
        edit: ChipEdit,
        as_of: AsOf,
        actor: &Actor,
    ) -> Result<Answer, AppError> {
        actor.require(Permission::Read)?;
        let turns = self.turns_of(conversation_id, actor).await?;
        let last = turns
            .last()
            .ok_or_else(|| AppError::NotFound(format!("conversation `{conversation_id}`")))?;
        let mut definition: Definition = serde_json::from_str(&last.definition)
            .map_err(|e| AppError::BadInput(format!("stored conversation is unreadable: {e}")))?;
        let before = refine::conditions(&definition.root);
        let mut after = before.clone();
        let n = index + 1;
        let Some(node) = after.get_mut(index) else {
            return Err(AppError::NotFound(format!(
                "condition {n} of this audience"
            )));
        };
        let prompt = match edit {
            ChipEdit::Remove => {
                after.remove(index);
                format!("remove condition {n}")
            }
            ChipEdit::Change(text) => {
                if text.chars().count() > MAX_VALUE {
                    return Err(bad(n, &format!("a value under {MAX_VALUE} characters")));
                }
                set_value(node, &text, n)?;
                format!("set condition {n} to “{}”", text.trim())
            }
        };
        definition.root = refine::root_of(after.clone());
        let snap = self.snapshot().await?;
        let say = |node: &Node| describe(node, &snap.catalog, &self.glossary(), &as_of);
        let diff = refine::diff(&before, &after, say);
        let mut answer = self.restated(definition, &prompt, as_of).await?;
        answer.diff = diff;
        let mut answer = self.previewed(answer, as_of, true).await?;
        answer.conversation_id = Some(conversation_id.to_string());
        let turn = turns.len() as i64 + 1;
        answer.turn = Some(
            self.save_turn(conversation_id, &prompt, false, &answer, turn, actor)
                .await?,
        );
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(v: Value) -> Node {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_chip_changes_its_value_in_the_conditions_own_type() {
        let mut n = node(json!({"type":"attribute","field":"country","op":"eq","value":"US"}));
        assert_eq!(chip_value(&n).unwrap().value, "US");
        set_value(&mut n, " FR ", 1).unwrap();
        assert_eq!(chip_value(&n).unwrap().value, "FR");
        let mut d = node(
            json!({"type":"date","field":"last_order_date","op":"within_last","amount":30,"unit":"days"}),
        );
        assert_eq!(
            chip_value(&d).unwrap(),
            ChipValue {
                label: "days".into(),
                value: "30".into()
            }
        );
        set_value(&mut d, "1,000", 1).unwrap();
        assert_eq!(chip_value(&d).unwrap().value, "1000");
        assert!(
            set_value(&mut d, "soon", 2)
                .unwrap_err()
                .to_string()
                .contains("condition 2")
        );
        let mut p = node(
            json!({"type":"percentile","field":"lifetime_revenue","direction":"top","percent":20.0}),
        );
        assert!(set_value(&mut p, "0", 1).is_err() && set_value(&mut p, "250", 1).is_err());
        set_value(&mut p, "10%", 1).unwrap();
        assert_eq!(chip_value(&p).unwrap().value, "10");
        let mut l =
            node(json!({"type":"attribute","field":"country","op":"in","value":["US","CA"]}));
        set_value(&mut l, "FR, DE,", 1).unwrap();
        assert_eq!(chip_value(&l).unwrap().value, "FR, DE");
        assert!(set_value(&mut l, " , ", 1).is_err());
    }
}
