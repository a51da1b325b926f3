//! Places kept in a column of the export's own (`SVC_STATE`, `shippingState`), written the other
//! way in a request: a column of postal codes (`TX`, `ON`) is asked about by name ("customers in
//! Texas", "Texans"), a column of names by code ("TX"). The tables are the public postal lists in
//! `domain::geo`; a column counts only when nearly all of its values are places of those lists,
//! so a stray `OR` or `IN` among other values never becomes a state.

use super::lexicon::{Lex, Lexicon};
use crate::domain::catalog::{Catalog, FieldType, Source};
use crate::domain::geo;

/// Each value of `values` that is a US state or Canadian province, by code or by name, with
/// that place's code and name, when at least 90% of the values (and two or more) are.
pub fn places(values: &[String]) -> Vec<(String, &'static str, &'static str)> {
    let find = |v: &str| {
        geo::US_STATES
            .iter()
            .chain(geo::OTHER_REGIONS)
            .find(|(c, n)| v.trim().eq_ignore_ascii_case(c) || v.trim().eq_ignore_ascii_case(n))
            .map(|(c, n)| (v.to_string(), *c, *n))
    };
    let found: Vec<_> = values.iter().filter_map(|v| find(v)).collect();
    if found.len() >= 2 && found.len() * 10 >= values.len() * 9 {
        found
    } else {
        Vec::new()
    }
}

impl Lexicon {
    /// Every custom categorical column of places: its values by name, demonym and code.
    pub(super) fn add_place_columns(&mut self, catalog: &Catalog) {
        let custom = catalog
            .fields
            .iter()
            .filter(|f| f.ty == FieldType::Categorical && matches!(f.source, Source::Attribute(_)));
        for f in custom {
            for (value, code, name) in places(&f.values) {
                let lex = Lex::Value {
                    field: f.name.clone(),
                    value,
                };
                let demonyms = geo::STATE_DEMONYMS
                    .iter()
                    .filter(|(c, _)| *c == code)
                    .flat_map(|(_, n)| n.iter().copied());
                for n in std::iter::once(name).chain(demonyms) {
                    self.add_data(n, lex.clone(), true);
                }
                self.add_code(code, lex);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::places;

    fn strings(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn a_column_of_postal_codes_or_names_is_a_column_of_places() {
        let got: Vec<_> = places(&strings(&["TX", "PA", "ON"]))
            .into_iter()
            .map(|(v, c, _)| (v, c))
            .collect();
        assert_eq!(
            got,
            [("TX", "TX"), ("PA", "PA"), ("ON", "ON")].map(|(v, c)| (v.to_string(), c))
        );
        assert_eq!(places(&strings(&["Texas", "Ohio"]))[0].1, "TX");
    }

    #[test]
    fn a_few_codes_among_other_values_are_not_places() {
        assert!(places(&strings(&["OR", "IN", "Gold", "Silver", "Bronze"])).is_empty());
        assert!(places(&strings(&["TX"])).is_empty());
    }
}
