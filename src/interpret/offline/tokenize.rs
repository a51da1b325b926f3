//! The tokenizer: splits a request into words and numbers, each with its byte span in the
//! original text so every later stage can point back at what the user wrote.
//!
//! Words are lower-cased and lightly stemmed (`stem`) so "orders" and "order" meet the same
//! lexicon entry; the lexicon runs every phrase through the same function, so the two sides
//! always agree. Numbers understand `1,000`, `$1k`, `2.5k`, `1m`, `30%`, `3+` and ISO dates.

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A normalized word (lower-case, stemmed).
    Word(String),
    /// A number; `money` when written with a currency sign, `plus` when followed by `+`.
    Num {
        value: f64,
        money: bool,
        percent: bool,
        plus: bool,
    },
    /// An ISO date `YYYY-MM-DD`.
    Date(chrono::NaiveDate),
}

/// One token and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    /// Byte range in the request.
    pub start: usize,
    pub end: usize,
    /// The token was written in capitals (two-letter codes like `CA` count only then).
    pub upper: bool,
    /// The word's Snowball root ("churned" → "churn"); empty for numbers and dates.
    pub root: String,
}

static STEMMER: std::sync::LazyLock<rust_stemmers::Stemmer> =
    std::sync::LazyLock::new(|| rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English));

/// A word's Snowball root, lower-cased and without apostrophes: every inflection of a column's
/// words meets the same key ("streaming", "streams", "streamed" → "stream").
pub fn root(word: &str) -> String {
    let w: String = word
        .chars()
        .filter(|c| *c != '\'' && *c != '’')
        .flat_map(char::to_lowercase)
        .collect();
    STEMMER.stem(&w).into_owned()
}

/// The roots of a phrase's words, split as [`words`] splits them.
pub fn roots(phrase: &str) -> Vec<String> {
    raw_words(phrase).iter().map(|w| root(w)).collect()
}

/// Normalize one word: lower-case, drop apostrophes, strip a plural `s`.
pub fn stem(word: &str) -> String {
    let w: String = word
        .chars()
        .filter(|c| *c != '\'' && *c != '’')
        .flat_map(char::to_lowercase)
        .collect();
    if w.len() > 4 && w.ends_with("ies") {
        return format!("{}y", &w[..w.len() - 3]);
    }
    if w.len() > 2
        && w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
    {
        return w[..w.len() - 1].to_string();
    }
    w
}

/// Split a phrase (a field name, a synonym, a categorical value) into normalized words.
pub fn words(phrase: &str) -> Vec<String> {
    raw_words(phrase).iter().map(|w| stem(w)).collect()
}

/// A phrase's words as written, split at separators and camelCase boundaries.
pub fn raw_words(phrase: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in phrase.chars() {
        // camelCase boundaries split words: `PlanType` → plan, type.
        if c.is_alphanumeric() || c == '\'' {
            if c.is_uppercase() && prev_lower && !cur.is_empty() {
                out.push(cur.clone());
                cur.clear();
            }
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
            cur.push(c);
        } else {
            if !cur.is_empty() {
                out.push(cur.clone());
                cur.clear();
            }
            prev_lower = false;
        }
    }
    if !cur.is_empty() {
        out.push(cur.clone());
    }
    out
}

/// Tokenize a request.
pub fn tokenize(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = text[i..].chars().next().unwrap_or(' ');
        if c.is_ascii_digit()
            || ((c == '$' || c == '€' || c == '£') && next_is_digit(text, i + c.len_utf8()))
        {
            let (tok, end) = number(text, i);
            let upper = false;
            out.push(Token {
                tok,
                start: i,
                end,
                upper,
                root: String::new(),
            });
            i = end;
        } else if c.is_alphabetic() {
            let end = word_end(text, i);
            let raw = &text[i..end];
            let upper = raw.chars().all(|c| !c.is_lowercase()) && raw.chars().count() >= 2;
            out.push(Token {
                tok: Tok::Word(stem(raw)),
                start: i,
                end,
                upper,
                root: root(raw),
            });
            i = end;
        } else {
            i += c.len_utf8();
        }
    }
    out
}

fn next_is_digit(text: &str, i: usize) -> bool {
    text[i.min(text.len())..]
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit())
}

fn word_end(text: &str, start: usize) -> usize {
    let mut end = start;
    for (k, c) in text[start..].char_indices() {
        if c.is_alphanumeric()
            || ((c == '\'' || c == '’')
                && text[start + k + c.len_utf8()..].starts_with(|x: char| x.is_alphabetic()))
        {
            end = start + k + c.len_utf8();
        } else {
            break;
        }
    }
    end
}

/// Read a number starting at `start`: currency sign, digits with thousands commas, decimals,
/// a `k`/`m` multiplier, `%` or `+`. ISO dates are recognized first.
fn number(text: &str, start: usize) -> (Tok, usize) {
    if let Some(d) = text
        .get(start..start + 10)
        .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    {
        return (Tok::Date(d), start + 10);
    }
    let mut i = start;
    let mut money = false;
    if let Some(c) = text[i..]
        .chars()
        .next()
        .filter(|c| matches!(c, '$' | '€' | '£'))
    {
        money = true;
        i += c.len_utf8();
    }
    let mut digits = String::new();
    let b = text.as_bytes();
    while i < b.len() {
        let c = b[i] as char;
        let comma_group = c == ','
            && i + 3 < b.len() + 1
            && text[i + 1..].chars().take(3).all(|x| x.is_ascii_digit())
            && !next_is_digit(text, i + 4);
        if c.is_ascii_digit() || (c == '.' && next_is_digit(text, i + 1)) {
            digits.push(c);
        } else if !comma_group {
            break;
        }
        i += 1;
    }
    let mut value: f64 = digits.parse().unwrap_or(0.0);
    // An ordinal ("March 1st") is its number.
    for suffix in ["st", "nd", "rd", "th"] {
        let after = text[i..]
            .get(..2)
            .filter(|x| x.eq_ignore_ascii_case(suffix))
            .map(|_| i + 2);
        if let Some(end) = after.filter(|e| !text[*e..].starts_with(char::is_alphanumeric)) {
            return (
                Tok::Num {
                    value,
                    money,
                    percent: false,
                    plus: false,
                },
                end,
            );
        }
    }
    // A multiplier letter directly after the digits, not the start of a word (`5km` is not 5000).
    let rest = &text[i..];
    let mut lower = rest.chars().take(2).map(|c| c.to_ascii_lowercase());
    match (lower.next(), lower.next()) {
        (Some('k'), next) if !next.is_some_and(char::is_alphanumeric) => {
            value *= 1_000.0;
            i += 1;
        }
        (Some('m'), next) if !next.is_some_and(char::is_alphanumeric) => {
            value *= 1_000_000.0;
            i += 1;
        }
        _ => {}
    }
    let mut percent = false;
    let mut plus = false;
    if text[i..].starts_with('%') {
        percent = true;
        i += 1;
    } else if text[i..].starts_with('+') {
        plus = true;
        i += 1;
    }
    (
        Tok::Num {
            value,
            money,
            percent,
            plus,
        },
        i,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nums(text: &str) -> Vec<f64> {
        tokenize(text)
            .into_iter()
            .filter_map(|t| match t.tok {
                Tok::Num { value, .. } => Some(value),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn numbers_understand_thousands_separators_and_multipliers() {
        assert_eq!(
            nums("over 1,000 and $1k or 2.5k, 3m"),
            vec![1000.0, 1000.0, 2500.0, 3_000_000.0]
        );
    }

    #[test]
    fn money_percent_and_plus_are_marked() {
        let t = tokenize("$80 top 10% 3+ times");
        assert!(matches!(
            t[0].tok,
            Tok::Num {
                value: 80.0,
                money: true,
                ..
            }
        ));
        assert!(matches!(
            t[2].tok,
            Tok::Num {
                value: 10.0,
                percent: true,
                ..
            }
        ));
        assert!(matches!(
            t[3].tok,
            Tok::Num {
                value: 3.0,
                plus: true,
                ..
            }
        ));
    }

    #[test]
    fn spans_point_at_the_original_text() {
        let text = "VIPs in Texas";
        let t = tokenize(text);
        assert_eq!(&text[t[2].start..t[2].end], "Texas");
        assert!(!t[0].upper && t[0].tok == Tok::Word("vip".into()));
    }

    #[test]
    fn camel_and_snake_case_names_split_into_words() {
        assert_eq!(words("PlanType"), vec!["plan", "type"]);
        assert_eq!(words("has_kids"), vec!["ha", "kid"]);
        assert_eq!(words("Month-to-month"), vec!["month", "to", "month"]);
    }

    #[test]
    fn iso_dates_are_one_token() {
        assert!(matches!(tokenize("before 2025-02-01")[1].tok, Tok::Date(_)));
    }
}
