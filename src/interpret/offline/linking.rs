//! Schema linking: the vocabulary a customer's own data brings, derived from the catalog and
//! never from cases. A column enters the lexicon by its name, the header it was imported from,
//! its name without words that say nothing ("IsActiveMember" → "active member"), each of its
//! words in any inflection (Snowball roots: "Churn" meets "churned"), spelled-out abbreviations
//! and split compounds ("LastLogin" meets "logged in"). A categorical column brings its values,
//! each value without its qualifier ("Credit card (automatic)" → "credit card") and the words no
//! other value of the column has ("Fiber optic" → "fiber"). A Yes/No column with a third value
//! ("No internet service") behaves like a boolean, and that third value means the other
//! column's "no". The user's own column names go first in each entry, ahead of built-in phrases
//! that share a word ("tenure").

use super::lexicon::{Lex, Lexicon};
use super::tokenize::{raw_words, stem, words};
use super::vocab::{ABBREVIATIONS, AUDIENCE_NOUNS, PARTICLES, VALUE_VARIANTS, WEAK_WORDS};
use crate::domain::catalog::{Catalog, Field, FieldType, Source};

/// The yes and no values of a categorical column that answers a yes/no question, when every
/// other value is a kind of "no" ("No internet service", "Not available on plan").
pub fn yes_no(values: &[String]) -> Option<(String, String)> {
    let find = |set: &[&str]| {
        values
            .iter()
            .find(|v| set.contains(&v.trim().to_lowercase().as_str()))
            .cloned()
    };
    let yes = find(&["yes", "y", "true", "on", "enabled"])?;
    let no = find(&["no", "n", "false", "off", "disabled"])?;
    let no_like = |v: &String| {
        let l = v.trim().to_lowercase();
        *v == yes || *v == no || l.starts_with("no ") || l.starts_with("not ")
    };
    values.iter().all(no_like).then_some((yes, no))
}

/// A name with its abbreviations spelled out, every way ("fav genre" → "favourite genre",
/// "favorite genre"; "last txn" → "last transaction"); at most 8 phrases.
pub(super) fn spelled_out(ws: &[String]) -> Vec<String> {
    let mut out = vec![String::new()];
    for w in ws {
        let l = w.to_lowercase();
        let forms: Vec<String> = ABBREVIATIONS
            .iter()
            .find(|(a, _)| *a == l)
            .map_or(vec![l.clone()], |(_, full)| {
                full.iter().map(|f| f.to_string()).collect()
            });
        out = out
            .iter()
            .flat_map(|p| {
                forms.iter().map(move |f| {
                    if p.is_empty() {
                        f.clone()
                    } else {
                        format!("{p} {f}")
                    }
                })
            })
            .take(8)
            .collect();
    }
    out
}

/// A value without its qualifier: "Credit card (automatic)" → "Credit card".
fn bare(value: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in value.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_weak(word: &str) -> bool {
    let w = stem(word);
    WEAK_WORDS.iter().any(|x| stem(x) == w)
}

/// A word of a column name and the forms people write it in: abbreviations spelled out
/// ("fav" → "favourite"), the verb behind a noun ("renewal" → "renew") and a compound split
/// at a particle ("login" → "log in", "signup" → "sign up").
fn word_forms(w: &str) -> Vec<String> {
    let w = w.to_lowercase();
    let mut out = vec![w.clone()];
    for (abbr, full) in ABBREVIATIONS {
        if w == *abbr {
            out.extend(full.iter().map(|x| x.to_string()));
        }
    }
    for suffix in ["al", "ment", "ation", "ion"] {
        if let Some(root) = w.strip_suffix(suffix).filter(|r| r.len() >= 4) {
            out.extend([
                root.to_string(),
                format!("{root}ing"),
                format!("{root}ed"),
                format!("{root}s"),
            ]);
        }
    }
    // "rating": "rated", "rate"; "booking": "booked".
    if let Some(root) = w.strip_suffix("ing").filter(|r| r.len() >= 3) {
        out.extend([format!("{root}ed"), format!("{root}e"), format!("{root}es")]);
    }
    for p in PARTICLES {
        if let Some(head) = w.strip_suffix(p).filter(|h| h.len() >= 3) {
            out.push(format!("{head} {p}"));
            // "logged into the portal".
            if *p == "in" {
                out.push(format!("{head} into"));
            }
        }
    }
    out
}

impl Lexicon {
    /// Every field's and value's words, as described in the module documentation.
    pub(super) fn add_data_fields(&mut self, catalog: &Catalog) {
        let custom: Vec<&Field> = catalog
            .fields
            .iter()
            .filter(|f| matches!(f.source, Source::Attribute(_)))
            .collect();
        for f in &custom {
            let others: Vec<Vec<String>> = custom
                .iter()
                .filter(|o| o.name != f.name)
                .map(|o| words(&o.name))
                .collect();
            self.add_custom_field(f, &others);
        }
        let named_values = |f: &&Field| {
            (f.ty == FieldType::Categorical && f.name != "country" && f.name != "region")
                || f.name == "city"
        };
        for f in catalog.fields.iter().filter(named_values) {
            self.add_values(f, catalog);
        }
    }

    /// `others`: the words of every other custom column's name.
    fn add_custom_field(&mut self, f: &Field, others: &[Vec<String>]) {
        let own = Lex::Field(f.name.clone());
        let name_words = raw_words(&f.name);
        let mut all_words = name_words.clone();
        for phrase in std::iter::once(f.name.clone()).chain(f.synonyms.iter().cloned()) {
            self.add_data(&phrase, own.clone(), true);
            all_words.extend(raw_words(&phrase));
        }
        // "IsActiveMember" is "active member"; "LastTxnDate" is "last transaction".
        let strong: Vec<String> = name_words.iter().filter(|w| !is_weak(w)).cloned().collect();
        let dateless: Vec<String> = name_words
            .iter()
            .filter(|w| !matches!(w.as_str(), "date" | "at" | "on" | "time"))
            .cloned()
            .collect();
        let phrases = std::iter::once(strong.join(" ")).chain(
            [&strong, &name_words, &dateless]
                .into_iter()
                .flat_map(|ws| spelled_out(ws)),
        );
        for phrase in phrases.collect::<Vec<_>>() {
            // A name shortened to words another column's name also has ("charges" of
            // `total_charges` beside `monthly_charges`) links only weakly, so it is asked about.
            let shortened = words(&phrase) != words(&f.name);
            let shared = shortened
                && others
                    .iter()
                    .any(|o| words(&phrase).iter().all(|w| o.contains(w)));
            if !phrase.is_empty() {
                self.add_data(
                    &phrase,
                    if shared {
                        Lex::FieldWord(f.name.clone())
                    } else {
                        own.clone()
                    },
                    !shared,
                );
            }
        }
        for w in all_words
            .iter()
            .filter(|w| !is_weak(w) && w.chars().count() > 1)
        {
            // "mrr" is "monthly recurring revenue": each of those words leads to it too.
            let spelled_words: Vec<String> = word_forms(w)
                .iter()
                .filter(|v| v.contains(' '))
                .flat_map(|v| raw_words(v))
                .filter(|x| !is_weak(x))
                .collect();
            for v in word_forms(w).into_iter().chain(spelled_words) {
                // A word that is only an audience word ("accounts") stays one.
                if !self.is_filler(&v) || AUDIENCE_NOUNS.contains(&stem(&v).as_str()) {
                    self.add_data(&v, Lex::FieldWord(f.name.clone()), false);
                }
            }
        }
        if strong.len() >= 2 {
            let initials: String = strong.iter().filter_map(|w| w.chars().next()).collect();
            self.add_code(&initials, own.clone());
        }
        if f.ty == FieldType::Boolean
            || (f.ty == FieldType::Categorical && yes_no(&f.values).is_some())
        {
            self.add_opposites(f, &strong);
            self.add_retention(f, &strong);
        }
    }

    /// A yes/no column recording that the customer left (`Churn`, `Exited`, `Cancelled`): "still
    /// with us", "retained", "stayed" are its "no".
    fn add_retention(&mut self, f: &Field, strong: &[String]) {
        let left = [
            "churn", "exit", "cancel", "leav", "left", "attrit", "lapse", "quit",
        ];
        if strong.len() != 1 || !left.iter().any(|w| stem(&strong[0]).starts_with(w)) {
            return;
        }
        for p in [
            "still with us",
            "still a customer",
            "still customers",
            "still subscribed",
            "still here",
            "retained",
            "stayed",
            "stayed with us",
            "remained",
        ] {
            self.add_data(p, Lex::FieldNot(f.name.clone()), true);
        }
    }

    /// "inactive member", "unverified", "non-smoker": the column's "no".
    fn add_opposites(&mut self, f: &Field, strong: &[String]) {
        let Some((head, rest)) = strong.split_first() else {
            return;
        };
        let rest = rest.join(" ");
        for prefix in ["in", "un", "non", "non-", "not "] {
            let word = format!("{prefix}{head}");
            self.add_data(
                &format!("{word} {rest}"),
                Lex::FieldNot(f.name.clone()),
                true,
            );
            if strong.len() <= 2 {
                self.add_data(&word, Lex::FieldNot(f.name.clone()), true);
            }
        }
    }

    fn add_values(&mut self, f: &Field, catalog: &Catalog) {
        if let Some((yes, no)) = yes_no(&f.values) {
            for v in f.values.iter().filter(|v| **v != yes && **v != no) {
                let lex = other_columns_no(v, catalog).unwrap_or_else(|| Lex::Value {
                    field: f.name.clone(),
                    value: v.clone(),
                });
                self.add_data(v, lex, true);
            }
            return;
        }
        self.add_qualifier_groups(f);
        // "No", "Yes", "None" alone are the language's own words, never a value by themselves.
        for v in f.values.iter().filter(|v| {
            !matches!(
                v.trim().to_lowercase().as_str(),
                "no" | "yes" | "none" | "n" | "y"
            )
        }) {
            let lex = Lex::Value {
                field: f.name.clone(),
                value: v.clone(),
            };
            // A one-letter value (`A (major gift)`, `C`) is never the article "a" or a stray
            // letter: it is reached through its column ("rated A") or asked about.
            let letter = |x: &str| x.trim().chars().count() == 1;
            // A two-letter code (`WA`, `TX`) is matched only in capitals: as a word, its root
            // would meet "was" or "tx".
            let code = v.chars().count() == 2 && v.chars().all(|c| c.is_ascii_uppercase());
            if code {
                self.add_code(v, lex.clone());
            } else if !letter(v) {
                self.add_data(v, lex.clone(), false);
            }
            // Compared as written, not split at capitals: `iOS` is "ios", not "i os".
            let flat = |s: &str| {
                s.to_lowercase()
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let key = flat(v);
            for (word, variants) in VALUE_VARIANTS {
                if key == flat(word) {
                    variants
                        .iter()
                        .for_each(|x| self.add_data(x, lex.clone(), false));
                }
            }
            let b = bare(v);
            if b != *v && !b.is_empty() && !letter(&b) {
                self.add_data(&b, lex.clone(), false);
            }
            for w in raw_words(&b).into_iter().filter(|w| {
                w.chars().count() >= 4 && !is_weak(w) && !w.chars().any(|c| c.is_ascii_digit())
            }) {
                let unique = f
                    .values
                    .iter()
                    .filter(|o| *o != v)
                    .all(|o| !raw_words(o).iter().any(|x| stem(x) == stem(&w)));
                if unique && self.is_free(&w) {
                    self.add_data(&w, lex.clone(), false);
                }
            }
        }
    }
}

impl Lexicon {
    /// A qualifier several values share names all of them: "automatic" (and "autopay") for
    /// `Bank transfer (automatic)` and `Credit card (automatic)`.
    fn add_qualifier_groups(&mut self, f: &Field) {
        let qualifier = |v: &str| {
            v.split_once('(')
                .and_then(|(_, q)| q.split_once(')'))
                .map(|(q, _)| q.trim().to_lowercase())
        };
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for v in &f.values {
            if let Some(q) = qualifier(v).filter(|q| !q.is_empty()) {
                match groups.iter_mut().find(|(k, _)| *k == q) {
                    Some((_, vs)) => vs.push(v.clone()),
                    None => groups.push((q, vec![v.clone()])),
                }
            }
        }
        for (q, values) in groups.into_iter().filter(|(_, vs)| vs.len() >= 2) {
            let lex = Lex::Values {
                field: f.name.clone(),
                values,
            };
            let auto =
                ["automatic", "auto-pay", "autopay", "auto pay", "auto"].contains(&q.as_str());
            let extra: &[&str] = if auto {
                &[
                    "autopay",
                    "auto pay",
                    "auto-pay",
                    "automatic payment",
                    "automatic payments",
                    "automatic",
                ]
            } else {
                &[]
            };
            for p in std::iter::once(q.as_str()).chain(extra.iter().copied()) {
                self.add_data(p, lex.clone(), true);
            }
        }
        self.add_bare_groups(f);
    }

    /// "life" names `Life (term)` and `Life (whole)` together (unless a value is just "Life");
    /// "annual Plus" and "Plus annual" name `Plus (annual)`.
    fn add_bare_groups(&mut self, f: &Field) {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        let qualifier = |v: &str| {
            v.split_once('(')
                .and_then(|(_, q)| q.split_once(')'))
                .map(|(q, _)| q.trim().to_lowercase())
                .unwrap_or_default()
        };
        for v in f.values.iter().filter(|v| bare(v) != **v) {
            let b = bare(v).trim().to_lowercase();
            let q = qualifier(v);
            if b.is_empty() {
                continue;
            }
            if !q.is_empty() {
                let lex = Lex::Value {
                    field: f.name.clone(),
                    value: v.clone(),
                };
                for phrase in [
                    format!("{q} {b}"),
                    format!("{b} {q}"),
                    format!("{q} {}", bare(v)),
                    format!("{} {q}", bare(v)),
                ] {
                    self.add_data(&phrase, lex.clone(), true);
                }
                // A qualifier only one value has names it alone ("annual": `DashPass (annual)`).
                if q.chars().count() >= 4
                    && f.values.iter().filter(|o| qualifier(o) == q).count() == 1
                    && self.is_free(&q)
                {
                    self.add_data(&q, lex, false);
                }
            }
            if f.values.iter().any(|o| o.trim().eq_ignore_ascii_case(&b)) {
                continue;
            }
            match groups.iter_mut().find(|(k, _)| *k == b) {
                Some((_, vs)) => vs.push(v.clone()),
                None => groups.push((b, vec![v.clone()])),
            }
        }
        for (b, values) in groups.into_iter().filter(|(_, vs)| vs.len() >= 2) {
            self.add_data(
                &b,
                Lex::Values {
                    field: f.name.clone(),
                    values,
                },
                true,
            );
        }
    }
}

/// "No internet service" on an add-on column means the `internet_service` column's "no".
fn other_columns_no(value: &str, catalog: &Catalog) -> Option<Lex> {
    let l = value.trim().to_lowercase();
    let rest = l.strip_prefix("no ").or_else(|| l.strip_prefix("not "))?;
    let want = words(rest);
    let f = catalog.fields.iter().find(|f| {
        words(&f.name)
            .into_iter()
            .filter(|w| !is_weak(w))
            .collect::<Vec<_>>()
            == want
    })?;
    match f.ty {
        FieldType::Boolean => Some(Lex::BoolValue {
            field: f.name.clone(),
            value: false,
        }),
        FieldType::Categorical => {
            let no = f
                .values
                .iter()
                .find(|v| v.eq_ignore_ascii_case("no") || v.eq_ignore_ascii_case("none"))?;
            Some(Lex::Value {
                field: f.name.clone(),
                value: no.clone(),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn yes_no_columns_are_found_with_a_third_kind_of_no() {
        assert_eq!(
            yes_no(&v(&["Yes", "No", "No internet service"])),
            Some(("Yes".into(), "No".into()))
        );
        assert_eq!(
            yes_no(&v(&["On", "Off"])),
            Some(("On".into(), "Off".into()))
        );
        assert_eq!(
            yes_no(&v(&["Yes", "No", "Not available on plan"])),
            Some(("Yes".into(), "No".into()))
        );
        assert_eq!(yes_no(&v(&["DSL", "Fiber optic", "No"])), None);
        assert_eq!(yes_no(&v(&["Active", "Frozen", "Cancelled"])), None);
    }

    #[test]
    fn qualifiers_come_off_values_and_compounds_split() {
        assert_eq!(bare("Credit card (automatic)"), "Credit card");
        assert!(word_forms("login").contains(&"log in".to_string()));
        assert!(word_forms("signup").contains(&"sign up".to_string()));
    }
}
