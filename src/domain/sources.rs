//! What the customer's own files call things: the headers each import mapped to a built-in
//! field, kept so that the interpreter can speak the data's language ("Member ID" makes the
//! people "members", "Trip ID" makes the orders "trips") and knows which built-in columns no
//! file ever filled (a consent column nobody imported selects nobody, so it must not be picked
//! over the customer's own consent column).

use std::collections::BTreeMap;

/// Header per built-in field per kind of file (`customers`, `orders`, `events`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sources {
    pub headers: BTreeMap<String, BTreeMap<String, String>>,
}

/// Words of a header that name its role, not the thing it counts.
const ROLE_WORDS: &[&str] = &[
    "id",
    "no",
    "nr",
    "num",
    "number",
    "key",
    "ref",
    "reference",
    "code",
    "date",
    "time",
    "ts",
    "timestamp",
    "at",
    "on",
    "end",
    "start",
    "amount",
    "total",
    "value",
    "uuid",
    "external",
    "the",
    "of",
];

/// Nouns too general to say what a file holds.
const GENERIC: &[&str] = &[
    "record", "row", "entry", "item", "line", "event", "order", "check",
];

impl Sources {
    /// Merge the headers of one more import (a later file of the same kind adds to them).
    pub fn add(&mut self, kind: &str, mapped: impl IntoIterator<Item = (String, String)>) {
        self.headers
            .entry(kind.to_string())
            .or_default()
            .extend(mapped);
    }

    /// The noun the customers file calls a customer (`Member ID` → `member`), if it has one.
    pub fn people_noun(&self) -> Option<String> {
        self.header("customers", "external_id").and_then(head_noun)
    }

    /// The nouns the orders file calls an order (`Trip ID` → `trip`, `Gift Date` → `gift`).
    pub fn order_nouns(&self) -> Vec<String> {
        let mut out: Vec<String> = ["order_id", "occurred_at", "amount"]
            .iter()
            .filter_map(|k| self.header("orders", k).and_then(head_noun))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Whether some customers file filled this built-in column. Without any record of the
    /// customers' headers (a database imported before they were kept) every column counts.
    pub fn supplied(&self, column: &str) -> bool {
        match self.headers.get("customers") {
            Some(h) if !h.is_empty() => h.contains_key(column),
            _ => true,
        }
    }

    fn header(&self, kind: &str, key: &str) -> Option<&str> {
        self.headers.get(kind)?.get(key).map(String::as_str)
    }
}

/// The one content word of a header, singular and lower-case; `None` when it has none or more
/// than one (`Check-out Date` names no single thing).
fn head_noun(header: &str) -> Option<String> {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in header.chars() {
        // Separators and camelCase boundaries end a word: `ConstituentID` → constituent, id.
        if !c.is_alphanumeric() || (c.is_uppercase() && prev_lower) {
            words.extend((!cur.is_empty()).then(|| std::mem::take(&mut cur)));
        }
        prev_lower = c.is_lowercase();
        if c.is_alphanumeric() {
            cur.extend(c.to_lowercase());
        }
    }
    words.push(cur);
    let content: Vec<String> = words
        .into_iter()
        .filter(|w| w.len() > 2 && w.chars().all(char::is_alphabetic))
        .filter(|w| !ROLE_WORDS.contains(&w.as_str()))
        .collect();
    match content.as_slice() {
        [w] if !GENERIC.contains(&w.as_str()) => Some(singular(w)),
        _ => None,
    }
}

fn singular(w: &str) -> String {
    match w.strip_suffix('s') {
        Some(s) if !w.ends_with("ss") && s.len() > 2 => s.to_string(),
        _ => w.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(kind: &str, pairs: &[(&str, &str)]) -> Sources {
        let mut s = Sources::default();
        s.add(
            kind,
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        );
        s
    }

    #[test]
    fn an_id_header_names_the_people_and_the_orders() {
        let s = sources("customers", &[("external_id", "Member ID")]);
        assert_eq!(s.people_noun().as_deref(), Some("member"));
        let s = sources("customers", &[("external_id", "player_id")]);
        assert_eq!(s.people_noun().as_deref(), Some("player"));
        let s = sources("customers", &[("external_id", "ConstituentID")]);
        assert_eq!(s.people_noun().as_deref(), Some("constituent"));
        let s = sources(
            "orders",
            &[
                ("order_id", "Trip ID"),
                ("occurred_at", "Trip End Time"),
                ("amount", "Fare (€)"),
            ],
        );
        assert_eq!(
            s.order_nouns(),
            vec!["fare".to_string(), "trip".to_string()]
        );
        let s = sources(
            "orders",
            &[("order_id", "Order ID"), ("occurred_at", "Check-out Date")],
        );
        assert!(s.order_nouns().is_empty());
    }

    #[test]
    fn a_column_no_file_filled_is_not_supplied_once_headers_are_known() {
        assert!(Sources::default().supplied("email_consent"));
        let s = sources(
            "customers",
            &[("external_id", "Player"), ("email", "email")],
        );
        assert!(s.supplied("email"));
        assert!(!s.supplied("email_consent"));
    }
}
