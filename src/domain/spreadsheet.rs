//! Cells every CSV segwright writes passes through, so that a spreadsheet opening the file
//! never runs a value as a formula.

/// A cell a spreadsheet will not run: one starting with `=`, `@`, a tab or a carriage return,
/// or with `+`/`-` followed by more than a phone number's or an amount's characters
/// (`+HYPERLINK(…)`), gets a leading `'` (OWASP's CSV injection advice). Every CSV segwright
/// writes (the approved-audience download, the member list, the audit log, the CSV file drop)
/// goes through here.
pub fn spreadsheet_safe(v: &str) -> std::borrow::Cow<'_, str> {
    let numeric = |rest: &str| {
        rest.chars()
            .all(|c| c.is_ascii_digit() || " ().-+".contains(c))
    };
    let risky = match v.chars().next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !numeric(&v[1..]),
        _ => false,
    };
    if risky {
        format!("'{v}").into()
    } else {
        v.into()
    }
}
