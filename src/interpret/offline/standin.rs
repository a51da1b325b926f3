//! Built-in customer columns the user's files never filled. A CRM export without a sign-up
//! column leaves `signup_date` empty for everyone, so "joined in the last year" read through it
//! would silently select nobody. Such a column's words go to the export's own column that plays
//! its part (`Member Since`, `Client Since`, `START_DT`) when exactly one does, and to nothing
//! otherwise (the words are then reported and asked about, never answered with an empty field).

use super::tokenize::words;
use crate::domain::catalog::{Catalog, Field, Source};

/// Words that mark a column as the day a customer relationship began.
const START_WORDS: &[&str] = &[
    "since",
    "joined",
    "join",
    "registered",
    "registration",
    "start",
    "started",
    "created",
    "enrolled",
    "enrollment",
    "opened",
    "signup",
];

/// The field the words of built-in `field` mean on this data: itself when some file filled it
/// (or it is not a customers column), the export's one stand-in column, or `None`.
pub fn meant(catalog: &Catalog, field: &Field) -> Option<String> {
    let column = matches!(field.source, Source::Column(_));
    let consent = field.name.ends_with("_consent");
    // Only a date plays a part a column's name alone makes plain; "phone" over a
    // `PhoneService` flag is not the phone number.
    let date = field.ty == crate::domain::catalog::FieldType::Date;
    if !column || consent || !date || catalog.sources.supplied(&field.name) {
        return Some(field.name.clone());
    }
    let mine = words(&field.name);
    let starts = field.name == "signup_date";
    let fits = |f: &&Field| {
        let theirs = words(&f.name);
        f.ty == field.ty
            && (mine.iter().all(|w| theirs.contains(w))
                || (starts && START_WORDS.iter().any(|s| theirs.contains(&words(s)[0]))))
    };
    let found: Vec<&Field> = catalog
        .fields
        .iter()
        .filter(|f| matches!(f.source, Source::Attribute(_)))
        .filter(fits)
        .collect();
    match found.as_slice() {
        [one] => Some(one.name.clone()),
        _ => None,
    }
}
