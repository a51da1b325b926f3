//! The lexicon: every phrase the interpreter knows and what it may mean, built at start-up from
//! the catalog (field names, synonyms, words of custom attribute names, categorical values,
//! event names), the glossary (labels and synonyms) and a fixed core of English words for
//! comparisons, time, counts and negation. A newly imported attribute is understood without code
//! changes because its name and values enter the lexicon here.
//!
//! Matching is longest-phrase-first; determiners inside a phrase are skipped ("abandoned *a*
//! cart" meets "abandoned cart"). A span may carry several meanings; the grammar picks by context.

use std::collections::HashMap;

use super::tokenize::{Tok, Token, roots, words};
use super::vocab::{
    AUDIENCE_NOUNS, CHANNELS, CONSENT_NOUNS, CONSENT_VERBS, CORE, EVENT_OBJECTS, EVENT_PHRASES,
    FACT_PHRASES, MAX_ORDER, MONTHS, NUMBER_WORDS, SAME_PERIOD,
};
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
    /// "next", "coming": a horizon ahead (only likelihood scores look ahead).
    Next,
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
    /// A consent verb: opted in (`true`) or out (`false`) of the channels that follow.
    Consent(bool),
    /// A marketing channel, by its consent field (`*` for all of them).
    Channel(String),
    /// A word an event verb may take as its object ("opened *emails*").
    Object,
    /// "in that time": the window of the condition before.
    SamePeriod,
    /// The largest single order.
    MaxOrder,
    /// "the first quarter", "Q3".
    QuarterN(u32),
    /// A named band of a score field: NPS detractors (0), passives (1), promoters (2).
    Band(String, u8),
    /// "turned on" (`true`) / "turned off" (`false`): a yes/no column's state, before or after it.
    Switch(bool),
    /// "an order", "a purchase": one order, so an amount after it is that order's amount.
    OneOrder,
    /// The opposite of a yes/no column ("inactive" for `is_active_member`).
    FieldNot(String),
    /// A person noun that can follow a group's name ("wholesale *buyers*").
    Person,
    /// Several values of one field named by what they share ("autopay": every "(automatic)" one).
    Values {
        field: String,
        values: Vec<String>,
    },
    /// A money noun with its period ("monthly bill"): read like "paying … a month".
    PayPer(Unit),
}

/// Phrases and their meanings.
pub struct Lexicon {
    phrases: HashMap<Vec<String>, Vec<Lex>>,
    /// The data's phrases again, keyed by Snowball roots: any inflection of a column's words.
    roots: HashMap<Vec<String>, Vec<Lex>>,
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

impl Lexicon {
    /// Build the lexicon for one catalog and glossary.
    pub fn build(catalog: &Catalog, glossary: &Glossary) -> Self {
        let mut lx = Lexicon {
            phrases: HashMap::new(),
            roots: HashMap::new(),
            codes: HashMap::new(),
            longest: 1,
            determiners: Vec::new(),
        };
        lx.determiners = [
            "a", "an", "the", "their", "his", "her", "any", "our", "your", "my", "some", "of",
        ]
        .iter()
        .flat_map(|w| words(w))
        .collect();
        lx.add_core();
        lx.add_catalog(catalog);
        lx.add_events(catalog);
        lx.add_nouns(catalog);
        for (key, term) in &glossary.terms {
            for phrase in std::iter::once(key.as_str())
                .chain(std::iter::once(term.label.as_str()))
                .chain(term.synonyms.iter().map(String::as_str))
            {
                lx.add(phrase, Lex::Term(key.clone()));
                // "one-time buyers" is also "one-time customers", "one-time shoppers".
                if let Some(head) = phrase
                    .strip_suffix(" buyers")
                    .or_else(|| phrase.strip_suffix(" customers"))
                {
                    for noun in ["buyers", "customers", "shoppers", "clients", "purchasers"] {
                        lx.add(&format!("{head} {noun}"), Lex::Term(key.clone()));
                    }
                }
            }
        }
        lx
    }

    fn add(&mut self, phrase: &str, lex: Lex) {
        if let Some(key) = self.key(words(phrase)) {
            insert(&mut self.phrases, key, lex, false);
        }
    }

    /// Matching skips determiners inside a phrase, so its key does too.
    fn key(&mut self, all: Vec<String>) -> Option<Vec<String>> {
        let n = all.len();
        let key: Vec<String> = all
            .into_iter()
            .enumerate()
            .filter(|(i, w)| *i == 0 || *i + 1 == n || !self.determiners.contains(w))
            .map(|(_, w)| w)
            .collect();
        self.longest = self.longest.max(key.len());
        (!key.is_empty()).then_some(key)
    }

    /// A phrase the data brings: matched as written and by the roots of its words; `first`
    /// puts it ahead of the entry's other meanings (the user's own column names win).
    pub(super) fn add_data(&mut self, phrase: &str, lex: Lex, first: bool) {
        if let Some(key) = self.key(words(phrase)) {
            insert(&mut self.phrases, key, lex.clone(), first);
        }
        // "PayPal", "eBay": one word as people type it, though camelCase splits it in two.
        if phrase.chars().all(char::is_alphanumeric) && words(phrase).len() > 1 {
            insert(
                &mut self.phrases,
                words(&phrase.to_lowercase()),
                lex.clone(),
                first,
            );
            insert(
                &mut self.roots,
                roots(&phrase.to_lowercase()),
                lex.clone(),
                first,
            );
        }
        if let Some(key) = self.key(roots(phrase)) {
            insert(&mut self.roots, key, lex, first);
        }
    }

    /// The phrase no longer names a value: the data's own word for its people ("members" in a
    /// file of "Member ID"s) means everyone, not the `Member` tier.
    pub(super) fn forget_values(&mut self, phrase: &str) {
        let value = |l: &Lex| matches!(l, Lex::Value { .. });
        if let Some(e) = self.phrases.get_mut(&words(phrase)) {
            e.retain(|l| !value(l));
        }
        if let Some(e) = self.roots.get_mut(&roots(phrase)) {
            e.retain(|l| !value(l));
        }
    }

    /// The phrase means nothing but "the people" ("accounts", "members").
    pub(super) fn is_filler(&self, phrase: &str) -> bool {
        self.phrases
            .get(&words(phrase))
            .is_some_and(|l| l.contains(&Lex::Filler))
    }

    /// A code matched only when written in capitals ("PT" for a `personal_trainer` column);
    /// the data's own meaning goes first.
    pub(super) fn add_code(&mut self, code: &str, lex: Lex) {
        if code.chars().count() >= 2 {
            self.codes
                .entry(code.to_lowercase())
                .or_default()
                .insert(0, lex);
        }
    }

    /// No phrase of one word is this word yet, in either form.
    pub(super) fn is_free(&self, word: &str) -> bool {
        !self.phrases.contains_key(&words(word)) && !self.roots.contains_key(&roots(word))
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
                "next" => Lex::Next,
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
                "on" => Lex::Switch(true),
                "off" => Lex::Switch(false),
                "one_order" => Lex::OneOrder,
                "person" => Lex::Person,
                "pay_monthly" => Lex::PayPer(Unit::Months),
                "pay_yearly" => Lex::PayPer(Unit::Years),
                "pay_weekly" => Lex::PayPer(Unit::Weeks),
                _ => unreachable!("every core kind is mapped"),
            };
            for p in *phrases {
                self.add(p, lex.clone());
                if lex == Lex::OneOrder {
                    self.add(p, Lex::Event(None));
                }
            }
        }
        for p in AUDIENCE_NOUNS {
            self.add(p, Lex::Filler);
        }
        for (p, share) in [
            ("quartile", 25.0),
            ("quarter", 25.0),
            ("decile", 10.0),
            ("tenth", 10.0),
            ("half", 50.0),
            ("third", 100.0 / 3.0),
            ("quintile", 20.0),
        ] {
            self.add(p, Lex::Share(share));
        }
        for (p, n) in [("once", 1.0), ("twice", 2.0), ("thrice", 3.0)] {
            self.add(p, Lex::Count(n));
        }
        for (p, n) in [
            ("only once", 1.0),
            ("just once", 1.0),
            ("exactly once", 1.0),
            ("a single time", 1.0),
            ("only twice", 2.0),
            ("exactly twice", 2.0),
        ] {
            self.add(p, Lex::CountExact(n));
        }
        for (p, n) in [
            ("more than once", 2.0),
            ("multiple times", 2.0),
            ("repeatedly", 2.0),
            ("at least once", 1.0),
            ("at least twice", 2.0),
            ("again", 2.0),
        ] {
            self.add(p, Lex::CountAtLeast(n));
        }
        for (p, n) in NUMBER_WORDS {
            self.add(p, Lex::NumWord(*n));
        }
        for (p, n) in [
            ("hundred", 100.0),
            ("thousand", 1_000.0),
            ("grand", 1_000.0),
            ("million", 1_000_000.0),
        ] {
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
            let Some(meant) = super::standin::meant(catalog, f) else {
                continue;
            };
            let first = meant != f.name;
            for phrase in std::iter::once(&f.name).chain(&f.synonyms) {
                if first {
                    self.add_data(phrase, Lex::Field(meant.clone()), true);
                } else {
                    self.add(phrase, Lex::Field(meant.clone()));
                }
            }
        }
        self.add_data_fields(catalog);
        self.add_geography(catalog);
        self.add_consent(catalog);
        // Net Promoter Score bands, for a number field named for it.
        if let Some(f) = catalog
            .fields
            .iter()
            .find(|f| f.ty == FieldType::Number && words(&f.name).contains(&words("nps")[0]))
        {
            for (band, names) in [
                (0u8, ["detractor", "nps detractor"]),
                (1, ["passive", "nps passive"]),
                (2, ["promoter", "nps promoter"]),
            ] {
                names
                    .iter()
                    .for_each(|n| self.add(n, Lex::Band(f.name.clone(), band)));
            }
        }
        for (phrase, field) in FACT_PHRASES {
            match catalog
                .get(field)
                .map(|f| (f, super::standin::meant(catalog, f)))
            {
                Some((f, Some(meant))) if meant != f.name => {
                    self.add_data(phrase, Lex::Field(meant), true)
                }
                Some((_, Some(meant))) => self.add(phrase, Lex::Field(meant)),
                _ => {}
            }
            // "been with us for 5 years": the export's own `tenure` column, when it has one.
            let own = catalog.fields.iter().find(|f| {
                matches!(f.source, crate::domain::catalog::Source::Attribute(_))
                    && catalog
                        .get(field)
                        .is_some_and(|b| b.synonyms.iter().any(|s| words(s) == words(&f.name)))
            });
            if let Some(f) = own {
                self.add_data(phrase, Lex::Field(f.name.clone()), true);
            }
        }
    }

    fn add_consent(&mut self, catalog: &Catalog) {
        // A consent column no file filled selects nobody: the customer's own consent column
        // ("marketing_consent") is the one meant.
        let has = |f: &str| catalog.get(f).is_some() && catalog.sources.supplied(f);
        for (phrase, field, value) in CONSENT_NOUNS {
            if has(field) {
                self.add(
                    phrase,
                    Lex::BoolValue {
                        field: (*field).into(),
                        value: *value,
                    },
                );
            }
        }
        for (phrase, value) in CONSENT_VERBS {
            self.add(phrase, Lex::Consent(*value));
        }
        let any = ["email_consent", "sms_consent", "ads_consent"]
            .iter()
            .any(|f| has(f));
        for (phrase, field) in CHANNELS {
            if (*field == "*" && any) || has(field) {
                self.add(phrase, Lex::Channel((*field).into()));
            }
        }
        for w in EVENT_OBJECTS {
            self.add(w, Lex::Object);
        }
        for p in SAME_PERIOD {
            self.add(p, Lex::SamePeriod);
        }
        for p in MAX_ORDER {
            self.add(p, Lex::MaxOrder);
        }
        for (n, names) in [
            (1, ["first quarter", "q1"]),
            (2, ["second quarter", "q2"]),
            (3, ["third quarter", "q3"]),
            (4, ["fourth quarter", "q4"]),
        ] {
            names.iter().for_each(|p| self.add(p, Lex::QuarterN(n)));
        }
    }

    fn add_geography(&mut self, catalog: &Catalog) {
        if catalog.get("country").is_some() {
            for (code, names) in geo::COUNTRIES {
                for n in *names {
                    self.add(
                        n,
                        Lex::Value {
                            field: "country".into(),
                            value: (*code).into(),
                        },
                    );
                }
                self.codes
                    .entry(code.to_lowercase())
                    .or_default()
                    .push(Lex::Value {
                        field: "country".into(),
                        value: (*code).into(),
                    });
            }
            for (code, names) in geo::DEMONYMS {
                names.iter().for_each(|n| {
                    self.add(
                        n,
                        Lex::Value {
                            field: "country".into(),
                            value: (*code).into(),
                        },
                    )
                });
            }
        }
        // Places the data spells out that no list above knows ("Bavaria").
        for f in ["country", "region"].iter().filter_map(|n| catalog.get(n)) {
            for v in f.values.iter().filter(|v| v.chars().count() > 3) {
                self.add_data(
                    v,
                    Lex::Value {
                        field: f.name.clone(),
                        value: v.clone(),
                    },
                    false,
                );
            }
        }
        // Countries kept in a column of the export's own ("Geography": France, Spain, Germany).
        for f in catalog.fields.iter().filter(|f| {
            f.ty == FieldType::Categorical
                && matches!(f.source, crate::domain::catalog::Source::Attribute(_))
        }) {
            for (code, names) in geo::COUNTRIES {
                let Some(v) = f.values.iter().find(|v| {
                    names.iter().any(|n| v.eq_ignore_ascii_case(n)) || v.eq_ignore_ascii_case(code)
                }) else {
                    continue;
                };
                let lex = Lex::Value {
                    field: f.name.clone(),
                    value: v.clone(),
                };
                let demonyms = geo::DEMONYMS
                    .iter()
                    .filter(|(c, _)| c == code)
                    .flat_map(|(_, n)| n.iter());
                for n in names.iter().chain(demonyms) {
                    self.add_data(n, lex.clone(), true);
                }
                self.add_code(code, lex);
            }
        }
        self.add_place_columns(catalog);
        if catalog.get("region").is_some() {
            for (code, name) in geo::US_STATES {
                self.add(
                    name,
                    Lex::Value {
                        field: "region".into(),
                        value: (*code).into(),
                    },
                );
                // US state codes come first: "CA" in a US audience means California.
                self.codes.entry(code.to_lowercase()).or_default().insert(
                    0,
                    Lex::Value {
                        field: "region".into(),
                        value: (*code).into(),
                    },
                );
            }
            // Provinces elsewhere, by name, when the data holds their code or name.
            let held = catalog
                .get("region")
                .map(|f| f.values.clone())
                .unwrap_or_default();
            for (code, name) in geo::OTHER_REGIONS {
                if let Some(v) = held
                    .iter()
                    .find(|v| v.eq_ignore_ascii_case(code) || v.eq_ignore_ascii_case(name))
                {
                    self.add_data(
                        name,
                        Lex::Value {
                            field: "region".into(),
                            value: v.clone(),
                        },
                        false,
                    );
                }
            }
            for (code, names) in geo::STATE_DEMONYMS {
                names.iter().for_each(|n| {
                    self.add(
                        n,
                        Lex::Value {
                            field: "region".into(),
                            value: (*code).into(),
                        },
                    )
                });
            }
        }
    }

    fn add_events(&mut self, catalog: &Catalog) {
        for (name, phrases) in EVENT_PHRASES {
            let target = if name.is_empty() {
                Some(None)
            } else {
                catalog
                    .events
                    .iter()
                    .find(|e| e == name)
                    .map(|e| Some(e.clone()))
            };
            if let Some(ev) = target {
                for p in *phrases {
                    self.add(p, Lex::Event(ev.clone()));
                }
            }
        }
        // Any other event name is understood by its own words, in either order
        // ("review_posted": "posted a review").
        for e in &catalog.events {
            self.add_data(e, Lex::Event(Some(e.clone())), false);
            for p in super::vocab::PARTICLES {
                if let Some(head) = e
                    .to_lowercase()
                    .strip_suffix(p)
                    .filter(|h| h.len() >= 3 && h.chars().all(char::is_alphabetic))
                {
                    self.add_data(&format!("{head} {p}"), Lex::Event(Some(e.clone())), false);
                }
            }
            let ws: Vec<&str> = e
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            // The verb said first: "review posted" → "posted a review", "customer care contact" →
            // "contacted customer care"; abbreviations spelled out ("OUTAGE_RPT" → "reported an
            // outage").
            let ws: Vec<String> = ws.iter().map(|w| w.to_string()).collect();
            let mut forms = vec![ws.join(" ").to_lowercase()];
            forms.extend(super::linking::spelled_out(&ws));
            forms.dedup();
            for spelled in forms {
                let sw: Vec<&str> = spelled.split(' ').collect();
                if spelled != ws.join(" ").to_lowercase() {
                    self.add_data(&spelled, Lex::Event(Some(e.clone())), false);
                }
                if let Some((last, rest)) = sw.split_last().filter(|_| sw.len() >= 2) {
                    self.add_data(
                        &format!("{last} {}", rest.join(" ")),
                        Lex::Event(Some(e.clone())),
                        false,
                    );
                }
            }
        }
        // A word only one event's name has ("invite" of `invite_sent`) names that event.
        for e in &catalog.events {
            for w in e
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() >= 4)
            {
                let unique = catalog
                    .events
                    .iter()
                    .filter(|o| *o != e)
                    .all(|o| !roots(o).contains(&roots(w)[0]));
                if unique && self.is_free(w) {
                    self.add_data(w, Lex::Event(Some(e.clone())), false);
                }
            }
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
                    out.push(Match {
                        from: i,
                        to: i + 1,
                        lex: Vec::new(),
                    });
                    i += 1;
                }
            }
        }
        out
    }

    fn longest_at(&self, tokens: &[Token], i: usize) -> Option<Match> {
        let as_written = self.longest_in(&self.phrases, tokens, i, |t| {
            if let Tok::Word(w) = &t.tok {
                Some(w.as_str())
            } else {
                None
            }
        });
        let by_root = self.longest_in(&self.roots, tokens, i, |t| {
            (!t.root.is_empty()).then_some(t.root.as_str())
        });
        // The longer reading wins; of two as long, the written form's meanings come first.
        let best = match (as_written, by_root) {
            (Some(w), Some(r)) if r.to > w.to => Some(r),
            (Some(mut w), Some(r)) if r.to == w.to && w.lex.iter().all(is_data) => {
                for l in r.lex {
                    if !w.lex.contains(&l) {
                        w.lex.push(l);
                    }
                }
                Some(w)
            }
            (Some(w), _) => Some(w),
            (None, r) => r,
        };
        if best.as_ref().is_none_or(|m| m.to == i + 1)
            && tokens[i].upper
            && let Tok::Word(w) = &tokens[i].tok
            && let Some(lex) = self.codes.get(w)
        {
            return Some(Match {
                from: i,
                to: i + 1,
                lex: lex.clone(),
            });
        }
        best
    }

    fn longest_in<'t>(
        &self,
        map: &HashMap<Vec<String>, Vec<Lex>>,
        tokens: &'t [Token],
        i: usize,
        key_of: impl Fn(&'t Token) -> Option<&'t str>,
    ) -> Option<Match> {
        let mut key: Vec<String> = Vec::new();
        let mut best = None;
        let mut j = i;
        while j < tokens.len() && key.len() < self.longest {
            let Some(w) = key_of(&tokens[j]) else { break };
            j += 1;
            if !key.is_empty() && self.determiners.iter().any(|d| d == w) && j < tokens.len() {
                // Skip a determiner inside a phrase, but keep it if the phrase ends here.
                if let Some(lex) = map.get(&[key.clone(), vec![w.to_string()]].concat()) {
                    best = Some(Match {
                        from: i,
                        to: j,
                        lex: lex.clone(),
                    });
                }
                continue;
            }
            key.push(w.to_string());
            if let Some(lex) = map.get(&key) {
                best = Some(Match {
                    from: i,
                    to: j,
                    lex: lex.clone(),
                });
            }
        }
        best
    }
}

/// A meaning the data brought (a field, a value, an event), not the language's own words.
fn is_data(l: &Lex) -> bool {
    matches!(
        l,
        Lex::Field(_)
            | Lex::FieldWord(_)
            | Lex::FieldNot(_)
            | Lex::Value { .. }
            | Lex::Values { .. }
            | Lex::BoolValue { .. }
            | Lex::Event(Some(_))
    )
}

fn insert(map: &mut HashMap<Vec<String>, Vec<Lex>>, key: Vec<String>, lex: Lex, first: bool) {
    let entry = map.entry(key).or_default();
    if let Some(k) = entry.iter().position(|l| *l == lex) {
        if !first {
            return;
        }
        entry.remove(k);
    }
    if first {
        entry.insert(0, lex)
    } else {
        entry.push(lex)
    }
}
