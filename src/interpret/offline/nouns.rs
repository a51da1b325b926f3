//! The nouns a business uses for its people and its orders. The data names them itself: the
//! customers file's id header ("Member ID", "player_id") says what a customer is called, the
//! orders file's headers ("Trip ID", "Gift Date") what an order is (the common people nouns of
//! every business are `vocab::AUDIENCE_NOUNS`).

use super::lexicon::{Lex, Lexicon};
use super::tokenize::{roots, words};
use crate::domain::catalog::Catalog;

/// The verbs that go with an order noun the data uses (an orders file of gifts is "gave",
/// "donated"); heard only when the data's own headers name that noun.
const ORDER_VERBS: &[(&str, &[&str])] = &[
    (
        "gift",
        &[
            "gave", "give", "given", "giving", "donated", "donate", "donation",
        ],
    ),
    (
        "donation",
        &[
            "gave", "give", "given", "giving", "donated", "donate", "gift",
        ],
    ),
    (
        "trip",
        &["took a trip", "ride", "rode", "drove", "rental", "rented"],
    ),
    ("ride", &["took a ride", "trip", "rode"]),
    ("stay", &["stayed", "night"]),
    ("booking", &["booked", "reservation"]),
    ("purchase", &["purchased", "bought"]),
    ("transaction", &["purchase", "purchased", "bought"]),
];

impl Lexicon {
    /// The data's own nouns for people and orders, and the common people nouns it leaves free.
    pub(super) fn add_nouns(&mut self, catalog: &Catalog) {
        let own = catalog.sources.people_noun();
        if let Some(noun) = &own {
            // The data's own word for a customer means everyone, ahead of a value spelled the
            // same (a `Tier` of `Member` in a file of "Member ID"s).
            self.add_data(noun, Lex::Filler, true);
            self.forget_values(noun);
        }
        if !catalog.orders {
            return;
        }
        for noun in catalog.sources.order_nouns() {
            if used_by_data(catalog, &noun) {
                continue;
            }
            // The data's own word for an order goes ahead of the same word inside a column's
            // name or a value ("gift" of `largest_gift`, `A (major gift)`), and after an order
            // verb it is the verb's object ("spent €200 on trips").
            self.add_data(&noun, Lex::Event(None), true);
            self.add_data(&noun, Lex::Object, false);
            // "an invoice over $500" is one invoice of that amount, as "an order over $100" is.
            self.add_data(&noun, Lex::OneOrder, false);
            for (n, verbs) in ORDER_VERBS {
                if *n == noun {
                    for v in *verbs {
                        self.add_data(v, Lex::Event(None), false);
                    }
                }
            }
        }
    }
}

/// The data uses the word itself: a field or a value is named by it alone.
fn used_by_data(catalog: &Catalog, word: &str) -> bool {
    let stem = words(word);
    let root = roots(word);
    let alone = |p: &str| words(p) == stem || roots(p) == root;
    catalog
        .fields
        .iter()
        .any(|f| alone(&f.name) || f.values.iter().any(|v| alone(v)))
}

#[cfg(test)]
mod tests {
    use crate::domain::catalog::{AttributeSpec, Catalog, FieldType};
    use crate::domain::glossary::Glossary;
    use crate::domain::sources::Sources;
    use crate::domain::time::AsOf;
    use crate::interpret::Interpretation;
    use crate::interpret::offline::{Cx, Offline};

    fn attr(name: &str, ty: FieldType, values: &[&str]) -> AttributeSpec {
        AttributeSpec {
            name: name.into(),
            ty,
            values: values.iter().map(|v| v.to_string()).collect(),
            column: name.into(),
        }
    }

    fn ask(
        attrs: &[AttributeSpec],
        headers: &[(&str, &str, &str)],
        prompt: &str,
    ) -> Interpretation {
        let mut sources = Sources::default();
        for (kind, key, header) in headers {
            sources.add(kind, [(key.to_string(), header.to_string())]);
        }
        let c = Catalog::build(vec!["US".into()], vec![], attrs).with_sources(sources);
        let g = Glossary::default_glossary();
        let cx = Cx {
            catalog: &c,
            glossary: &g,
            as_of: AsOf::parse("2026-06-30", "UTC").unwrap(),
        };
        Offline::new(&cx).interpret(prompt, &cx)
    }

    fn json(i: &Interpretation) -> String {
        serde_json::to_string(&i.definition.root).unwrap()
    }

    #[test]
    fn the_id_headers_noun_is_everyone_not_a_value_spelled_the_same() {
        let attrs = [
            attr(
                "tier",
                FieldType::Categorical,
                &["Member", "Silver", "Gold"],
            ),
            attr("points_balance", FieldType::Number, &[]),
        ];
        let member_id = [("customers", "external_id", "Member ID")];
        let i = ask(&attrs, &member_id, "members with over 100,000 points");
        assert!(
            i.unrecognized.is_empty() && i.questions.is_empty(),
            "{:?}",
            i.unrecognized
        );
        assert!(!json(&i).contains("tier"), "{}", json(&i));
        // Without the header, "members" may still be the tier: no silent everyone.
        let i = ask(&attrs, &[], "Gold members with over 100,000 points");
        assert!(json(&i).contains("Gold"), "{}", json(&i));
    }

    #[test]
    fn the_orders_headers_noun_brings_its_verbs_and_asks_beside_a_summary_column() {
        let attrs = [
            attr("lifetime_giving", FieldType::Number, &[]),
            attr("largest_gift", FieldType::Number, &[]),
        ];
        let gifts = [
            ("orders", "occurred_at", "Gift Date"),
            ("orders", "amount", "Gift Amount"),
        ];
        let i = ask(&attrs, &gifts, "donors who gave twice or more this year");
        assert!(i.unrecognized.is_empty(), "{:?}", i.unrecognized);
        let j = json(&i);
        assert!(
            j.contains("\"orders\"") && j.contains("2026-01-01") && j.contains("2.0"),
            "{j}"
        );
        let i = ask(&attrs, &gifts, "donors who have never made a gift");
        assert!(
            !i.questions.is_empty(),
            "orders or the summary column: {}",
            json(&i)
        );
    }

    #[test]
    fn a_consent_column_no_file_filled_gives_way_to_the_exports_own() {
        let attrs = [attr("marketing_consent", FieldType::Boolean, &[])];
        let headers = [
            ("customers", "external_id", "player_id"),
            ("customers", "email", "email"),
        ];
        let i = ask(&attrs, &headers, "players who agreed to marketing");
        assert_eq!(
            i.definition.root,
            serde_json::from_str(
                r#"{"type":"attribute","field":"marketing_consent","op":"eq","value":true}"#
            )
            .unwrap()
        );
    }
}
