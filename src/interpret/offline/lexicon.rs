//! The lexicon: every phrase the interpreter knows and what it may mean, built at start-up from
//! the catalog (field names, synonyms, words of custom attribute names, categorical values,
//! event names), the glossary (labels and synonyms) and a fixed core of English words for
//! comparisons, time, counts and negation. A newly imported attribute is understood without code
//! changes because its name and values enter the lexicon here.
//!
//! Matching is longest-phrase-first; determiners inside a phrase are skipped ("abandoned *a*
//! cart" meets "abandoned cart"). A span may carry several meanings; the grammar picks by context.

use std::collections::HashMap;

use super::tokenize::{Tok, Token, words};
use crate::domain::catalog::{Catalog, FieldType};
use crate::domain::definition::Op;
use crate::domain::geo;
use crate::domain::glossary::Glossary;
use crate::domain::time::Unit;

/// What a span may mean.
#[derive(Debug, Clone, PartialEq)]
pub enum Lex {
    Filler,
    And,
    Or,
    Neg,
    Never,
    Cmp(Op),
    /// A comparison written after the number ("3 or more").
    PostCmp(Op),
    Between,
    Field(String),
    /// One word of a custom attribute's name ("plan" for `plan_type`).
    FieldWord(String),
    Value {
        field: String,
        value: String,
    },
    BoolValue {
        field: String,
        value: bool,
    },
    Term(String),
    /// Orders (`None`) or events of one name.
    Event(Option<String>),
    Spend,
    Pay,
    Avg,
    Unit(Unit),
    Quarter,
    Month(u32),
    Last,
    Past,
    This,
    Since,
    Before,
    After,
    In,
    Ago,
    For,
    Within,
    By,
    Top,
    Bottom,
    /// A share written as a word: quartile = 25, decile = 10.
    Share(f64),
    Times,
    /// "twice" (at least, as an assumption) or "once" (exactly).
    Count(f64),
    /// "only once", "exactly twice".
    CountExact(f64),
    /// "more than once", "repeatedly".
    CountAtLeast(f64),
    NumWord(f64),
    Multiplier(f64),
    Money,
    Percent,
    Today,
}

/// Phrases and their meanings.
pub struct Lexicon {
    phrases: HashMap<Vec<String>, Vec<Lex>>,
    /// Two-letter codes, matched only when written in capitals.
    codes: HashMap<String, Vec<Lex>>,
    longest: usize,
    determiners: Vec<String>,
}

/// A matched span: token range and meanings.
#[derive(Debug, Clone)]
pub struct Match {
    pub from: usize,
    pub to: usize,
    pub lex: Vec<Lex>,
}

const CORE: &[(&str, &[&str])] = &[
    (
        "filler",
        &[
            "customer",
            "people",
            "person",
            "user",
            "client",
            "buyer",
            "shopper",
            "member",
            "account",
            "contact",
            "audience",
            "segment",
            "who",
            "that",
            "which",
            "whose",
            "with",
            "have",
            "has",
            "had",
            "having",
            "been",
            "be",
            "is",
            "are",
            "was",
            "were",
            "did",
            "do",
            "does",
            "of",
            "from",
            "at",
            "on",
            "all",
            "everyone",
            "anyone",
            "those",
            "them",
            "they",
            "show",
            "me",
            "find",
            "give",
            "get",
            "list",
            "i",
            "want",
            "need",
            "target",
            "please",
            "just",
            "only",
            "some",
            "also",
            "ever",
            "made",
            "make",
            "place",
            "placed",
            "a",
            "an",
            "the",
            "their",
            "his",
            "her",
            "any",
            "my",
            "our",
            "your",
            "to",
            "still",
            "currently",
            "customers who",
            "folks",
            "subscriber",
            "and who",
            "someone",
            "somebody",
            "anybody",
            "s",
            "it",
            "whom",
            "where",
            "there",
            "here",
            "being",
            "recently",
            "more",
            "total",
            "total of",
        ],
    ),
    ("and", &["and", "but", "as well as", "plus", "while", "yet"]),
    ("or", &["or", "either", "and or"]),
    (
        "neg",
        &[
            "not",
            "no",
            "without",
            "excluding",
            "exclude",
            "except",
            "except for",
            "other than",
            "non",
            "haven't",
            "hasn't",
            "hadn't",
            "didn't",
            "don't",
            "doesn't",
            "aren't",
            "isn't",
            "wasn't",
            "weren't",
            "minus",
            "leave out",
            "leaving out",
            "but not",
            "apart from",
            "excluding those",
            "nobody",
        ],
    ),
    ("never", &["never", "not ever", "not once", "zero time"]),
    ("gt", &["more than", "over", "above", "greater than", "exceeding", "higher than", "upwards of", "beyond", "in excess of", "bigger than", "larger than"]),
    ("gte", &["at least", "no less than", "no fewer than", "minimum", "minimum of", "min", "not less than"]),
    ("lt", &["less than", "under", "below", "fewer than", "lower than", "smaller than", "beneath"]),
    ("lte", &["at most", "no more than", "up to", "max", "maximum", "maximum of", "not more than", "or less", "or fewer"]),
    ("eq", &["exactly", "equal to", "equals", "precisely"]),
    ("post_gte", &["or more", "or above", "or over", "or higher", "and up", "and above", "or greater", "and over", "plus"]),
    ("post_lte", &["or less", "or fewer", "or under", "or below", "and under", "and below", "or lower"]),
    ("between", &["between", "from"]),
    ("spend", &["spent", "spend", "spending", "spender", "revenue of", "worth", "value of", "lifetime spend of"]),
    ("pay", &["paying", "pay", "pays", "paid", "charged", "billed"]),
    ("avg", &["average", "avg", "mean", "typical"]),
    ("days", &["day", "daily"]),
    ("weeks", &["week", "weekly", "wk"]),
    ("months", &["month", "monthly", "mo"]),
    ("years", &["year", "yearly", "annually", "yr"]),
    ("quarter", &["quarter"]),
    ("last", &["last", "previous", "prior"]),
    ("past", &["past", "recent", "latest"]),
    ("this", &["this", "current", "so far this"]),
    ("since", &["since", "starting", "from the start of"]),
    ("before", &["before", "prior to", "earlier than", "until"]),
    ("after", &["after", "later than"]),
    ("in", &["in", "during", "throughout", "over the course of"]),
    ("ago", &["ago", "back"]),
    ("for", &["for", "for at least", "for over", "for more than"]),
    ("within", &["within", "in the space of"]),
    ("by", &["by", "in terms of", "based on", "ranked by", "for"]),
    ("top", &["top", "highest", "best", "upper"]),
    ("bottom", &["bottom", "lowest", "worst", "least"]),
    ("times", &["time", "x", "occasion"]),
    ("money", &["dollar", "buck", "usd", "eur", "euro", "gbp", "pound"]),
    ("percent", &["percent", "per cent", "pct"]),
    ("today", &["today", "now", "to date", "so far"]),
];

const EVENT_PHRASES: &[(&str, &[&str])] = &[
    ("", &["bought", "purchased", "ordered", "buy", "purchase", "order", "shopped", "made a purchase", "placed an order", "checked out", "converted"]),
    ("email_open", &["opened an email", "opened email", "email open", "opened our email", "read an email", "opened a newsletter", "opened"]),
    ("email_click", &["clicked an email", "clicked email", "email click", "clicked a link in an email", "clicked", "clicked through"]),
    ("page_view", &["visited", "viewed", "browsed", "visited the site", "visited the website", "page view", "viewed a page", "site visit", "visit"]),
    ("add_to_cart", &["added to cart", "added something to cart", "added an item to cart", "add to cart", "added to basket"]),
    ("cart_abandoned", &["abandoned a cart", "abandoned cart", "cart abandoner", "abandoned basket", "left a cart", "cart abandonment", "abandoned"]),
    ("support_ticket", &["contacted support", "support ticket", "opened a ticket", "raised a ticket", "called support", "contacted customer service"]),
    ("app_session", &["used the app", "app session", "opened the app", "app user", "logged in to the app", "used our app", "used app"]),
];

const MONTHS: &[&[&str]] = &[
    &["january", "jan"],
    &["february", "feb"],
    &["march", "mar"],
    &["april", "apr"],
    &["may"],
    &["june", "jun"],
    &["july", "jul"],
    &["august", "aug"],
    &["september", "sep", "sept"],
    &["october", "oct"],
    &["november", "nov"],
    &["december", "dec"],
];

const NUMBER_WORDS: &[(&str, f64)] = &[
    ("zero", 0.0),
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("fifteen", 15.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("forty", 40.0),
    ("fifty", 50.0),
    ("sixty", 60.0),
    ("ninety", 90.0),
];

/// Other ways people name common categorical values (only used when the data has the value).
const VALUE_VARIANTS: &[(&str, &[&str])] = &[
    ("monthly", &["month to month", "month-to-month", "monthly plan"]),
    ("month-to-month", &["monthly", "month to month"]),
    ("annual", &["yearly", "annually", "annual plan", "one year"]),
    ("yearly", &["annual", "annually"]),
    ("pay as you go", &["payg", "pay-as-you-go", "prepaid"]),
    ("one year", &["1 year", "one-year", "annual"]),
    ("two year", &["2 year", "two-year"]),
];

/// Words of a custom attribute's name that say nothing about it on their own.
const WEAK_WORDS: &[&str] =
    &["has", "is", "was", "type", "of", "the", "a", "customer", "score", "flag", "value", "number", "num", "id", "date", "at", "in", "on"];

impl Lexicon {
    /// Build the lexicon for one catalog and glossary.
    pub fn build(catalog: &Catalog, glossary: &Glossary) -> Self {
        let mut lx = Lexicon { phrases: HashMap::new(), codes: HashMap::new(), longest: 1, determiners: Vec::new() };
        lx.determiners = ["a", "an", "the", "their", "his", "her", "any", "our", "your", "my", "some", "of"].iter().flat_map(|w| words(w)).collect();
        lx.add_core();
        lx.add_catalog(catalog);
        lx.add_events(catalog);
        for (key, term) in &glossary.terms {
            for phrase in std::iter::once(key.as_str()).chain(std::iter::once(term.label.as_str())).chain(term.synonyms.iter().map(String::as_str)) {
                lx.add(phrase, Lex::Term(key.clone()));
            }
        }
        lx
    }

    fn add(&mut self, phrase: &str, lex: Lex) {
        let key = words(phrase);
        if key.is_empty() {
            return;
        }
        self.longest = self.longest.max(key.len());
        let entry = self.phrases.entry(key).or_default();
        if !entry.contains(&lex) {
            entry.push(lex);
        }
    }

    fn add_core(&mut self) {
        for (kind, phrases) in CORE {
            let lex = match *kind {
                "filler" => Lex::Filler,
                "and" => Lex::And,
                "or" => Lex::Or,
                "neg" => Lex::Neg,
                "never" => Lex::Never,
                "gt" => Lex::Cmp(Op::Gt),
                "gte" => Lex::Cmp(Op::Gte),
                "lt" => Lex::Cmp(Op::Lt),
                "lte" => Lex::Cmp(Op::Lte),
                "eq" => Lex::Cmp(Op::Eq),
                "post_gte" => Lex::PostCmp(Op::Gte),
                "post_lte" => Lex::PostCmp(Op::Lte),
                "between" => Lex::Between,
                "spend" => Lex::Spend,
                "pay" => Lex::Pay,
                "avg" => Lex::Avg,
                "days" => Lex::Unit(Unit::Days),
                "weeks" => Lex::Unit(Unit::Weeks),
                "months" => Lex::Unit(Unit::Months),
                "years" => Lex::Unit(Unit::Years),
                "quarter" => Lex::Quarter,
                "last" => Lex::Last,
                "past" => Lex::Past,
                "this" => Lex::This,
                "since" => Lex::Since,
                "before" => Lex::Before,
                "after" => Lex::After,
                "in" => Lex::In,
                "ago" => Lex::Ago,
                "for" => Lex::For,
                "within" => Lex::Within,
                "by" => Lex::By,
                "top" => Lex::Top,
                "bottom" => Lex::Bottom,
                "times" => Lex::Times,
                "money" => Lex::Money,
                "percent" => Lex::Percent,
                "today" => Lex::Today,
                _ => unreachable!("every core kind is mapped"),
            };
            for p in *phrases {
                self.add(p, lex.clone());
            }
        }
        for (p, share) in [("quartile", 25.0), ("quarter", 25.0), ("decile", 10.0), ("tenth", 10.0), ("half", 50.0), ("third", 100.0 / 3.0), ("quintile", 20.0)]
        {
            self.add(p, Lex::Share(share));
        }
        for (p, n) in [("once", 1.0), ("twice", 2.0), ("thrice", 3.0)] {
            self.add(p, Lex::Count(n));
        }
        for (p, n) in [("only once", 1.0), ("just once", 1.0), ("exactly once", 1.0), ("a single time", 1.0), ("only twice", 2.0), ("exactly twice", 2.0)] {
            self.add(p, Lex::CountExact(n));
        }
        for (p, n) in [("more than once", 2.0), ("multiple times", 2.0), ("repeatedly", 2.0), ("at least once", 1.0), ("at least twice", 2.0), ("again", 2.0)] {
            self.add(p, Lex::CountAtLeast(n));
        }
        for (p, n) in NUMBER_WORDS {
            self.add(p, Lex::NumWord(*n));
        }
        for (p, n) in [("hundred", 100.0), ("thousand", 1_000.0), ("grand", 1_000.0), ("million", 1_000_000.0)] {
            self.add(p, Lex::Multiplier(n));
        }
        for (i, names) in MONTHS.iter().enumerate() {
            for n in *names {
                self.add(n, Lex::Month(i as u32 + 1));
            }
        }
    }

    fn add_catalog(&mut self, catalog: &Catalog) {
        for f in &catalog.fields {
            let custom = matches!(f.source, crate::domain::catalog::Source::Attribute(_));
            self.add(&f.name, Lex::Field(f.name.clone()));
            for s in &f.synonyms {
                self.add(s, Lex::Field(f.name.clone()));
            }
            if custom {
                let mut ws = words(&f.name);
                ws.extend(f.synonyms.iter().flat_map(|s| words(s)));
                let weak: Vec<String> = WEAK_WORDS.iter().flat_map(|w| words(w)).collect();
                for w in ws.into_iter().filter(|w| !weak.contains(w) && w.len() > 1) {
                    self.add(&w, Lex::FieldWord(f.name.clone()));
                }
            }
            if f.ty == FieldType::Categorical && f.name != "country" && f.name != "region" {
                for v in &f.values {
                    let lex = Lex::Value { field: f.name.clone(), value: v.clone() };
                    self.add(v, lex.clone());
                    let key = words(v).join(" ");
                    for (word, variants) in VALUE_VARIANTS {
                        if key == words(word).join(" ") {
                            variants.iter().for_each(|x| self.add(x, lex.clone()));
                        }
                    }
                }
            }
        }
        self.add_geography(catalog);
        for (phrase, field, value) in [
            ("subscribed to email", "email_consent", true),
            ("email subscriber", "email_consent", true),
            ("opted in to email", "email_consent", true),
            ("opted into email", "email_consent", true),
            ("consented to email", "email_consent", true),
            ("email consent", "email_consent", true),
            ("emailable", "email_consent", true),
            ("unsubscribed", "email_consent", false),
            ("unsubscribed from email", "email_consent", false),
            ("opted out of email", "email_consent", false),
            ("subscribed to sms", "sms_consent", true),
            ("opted in to sms", "sms_consent", true),
            ("opted into sms", "sms_consent", true),
            ("sms consent", "sms_consent", true),
            ("opted out of sms", "sms_consent", false),
            ("opted in to ads", "ads_consent", true),
            ("opted into ads", "ads_consent", true),
            ("opted in to ad", "ads_consent", true),
            ("ads consent", "ads_consent", true),
            ("ad consent", "ads_consent", true),
            ("consented to ads", "ads_consent", true),
            ("consented to ad targeting", "ads_consent", true),
            ("opted out of ads", "ads_consent", false),
        ] {
            if catalog.get(field).is_some() {
                self.add(phrase, Lex::BoolValue { field: field.into(), value });
            }
        }
        for (phrase, field) in [
            ("active", "last_activity_date"),
            ("signed up", "signup_date"),
            ("sign up", "signup_date"),
            ("registered", "signup_date"),
            ("joined", "signup_date"),
            ("first bought", "first_order_date"),
            ("first ordered", "first_order_date"),
            ("first purchased", "first_order_date"),
            ("last bought", "last_order_date"),
            ("last ordered", "last_order_date"),
            ("last purchased", "last_order_date"),
            ("lifetime revenue", "lifetime_revenue"),
            ("average order value", "average_order_value"),
            ("number of orders", "order_count"),
            ("order count", "order_count"),
        ] {
            if catalog.get(field).is_some() {
                self.add(phrase, Lex::Field(field.into()));
            }
        }
    }

    fn add_geography(&mut self, catalog: &Catalog) {
        if catalog.get("country").is_some() {
            for (code, names) in geo::COUNTRIES {
                for n in *names {
                    self.add(n, Lex::Value { field: "country".into(), value: (*code).into() });
                }
                self.codes.entry(code.to_lowercase()).or_default().push(Lex::Value { field: "country".into(), value: (*code).into() });
            }
        }
        if catalog.get("region").is_some() {
            for (code, name) in geo::US_STATES {
                self.add(name, Lex::Value { field: "region".into(), value: (*code).into() });
                // US state codes come first: "CA" in a US audience means California.
                self.codes.entry(code.to_lowercase()).or_default().insert(0, Lex::Value { field: "region".into(), value: (*code).into() });
            }
        }
    }

    fn add_events(&mut self, catalog: &Catalog) {
        for (name, phrases) in EVENT_PHRASES {
            let target = if name.is_empty() { Some(None) } else { catalog.events.iter().find(|e| e == name).map(|e| Some(e.clone())) };
            if let Some(ev) = target {
                for p in *phrases {
                    self.add(p, Lex::Event(ev.clone()));
                }
            }
        }
        // Any other event name is understood by its own words ("newsletter signup").
        for e in &catalog.events {
            self.add(e, Lex::Event(Some(e.clone())));
        }
    }

    /// Split tokens into the longest known phrases; numbers and unknown words stand alone.
    pub fn scan(&self, tokens: &[Token]) -> Vec<Match> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            match self.longest_at(tokens, i) {
                Some(m) => {
                    i = m.to;
                    out.push(m);
                }
                None => {
                    out.push(Match { from: i, to: i + 1, lex: Vec::new() });
                    i += 1;
                }
            }
        }
        out
    }

    fn longest_at(&self, tokens: &[Token], i: usize) -> Option<Match> {
        let mut key: Vec<String> = Vec::new();
        let mut best = None;
        let mut j = i;
        while j < tokens.len() && key.len() < self.longest {
            let Tok::Word(w) = &tokens[j].tok else { break };
            j += 1;
            if !key.is_empty() && self.determiners.contains(w) && j < tokens.len() {
                // Skip a determiner inside a phrase, but keep it if the phrase ends here.
                if let Some(lex) = self.phrases.get(&[key.clone(), vec![w.clone()]].concat()) {
                    best = Some(Match { from: i, to: j, lex: lex.clone() });
                }
                continue;
            }
            key.push(w.clone());
            if let Some(lex) = self.phrases.get(&key) {
                best = Some(Match { from: i, to: j, lex: lex.clone() });
            }
        }
        if best.as_ref().is_none_or(|m| m.to == i + 1) && tokens[i].upper {
            if let Tok::Word(w) = &tokens[i].tok {
                if let Some(lex) = self.codes.get(w) {
                    return Some(Match { from: i, to: i + 1, lex: lex.clone() });
                }
            }
        }
        best
    }
}
