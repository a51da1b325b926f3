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
