//! Items (lexicon matches with numbers folded in) and the small grammar of amounts and times:
//! "$1k", "two thousand", "3 or more", "in the last 2 weeks", "this quarter", "since March",
//! "in 2025", "before 2024", "more than 60 days ago". Calendar phrases resolve against the
//! as-of date, so the interpreter can state every interval it used.

use chrono::{Datelike, Days, Months, NaiveDate};

use super::lexicon::{Lex, Match};
use super::tokenize::{Tok, Token};
use crate::domain::definition::Op;
use crate::domain::time::{AsOf, Unit};

/// A number the user wrote, in figures or words.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Amount {
    pub value: f64,
    pub money: bool,
    pub percent: bool,
    /// Written with a trailing `+` ("3+").
    pub plus: bool,
}

/// One unit of the request after lexing: meanings, or a number, or a date.
#[derive(Debug, Clone)]
pub struct Item {
    pub lex: Vec<Lex>,
    pub num: Option<Amount>,
    pub date: Option<NaiveDate>,
    /// The word, when the item is one word ("with" reads differently from "in").
    pub word: Option<String>,
    /// The filler words dropped right before this item ("*with* kids").
    pub lead: Vec<String>,
    /// Token range.
    pub from: usize,
    pub to: usize,
}

impl Item {
    pub fn has(&self, f: impl Fn(&Lex) -> bool) -> bool {
        self.lex.iter().any(f)
    }
    /// Only filler meanings: the word carries no content of its own.
    pub fn is_filler(&self) -> bool {
        self.num.is_none()
            && self.date.is_none()
            && !self.lex.is_empty()
            && self.lex.iter().all(|l| *l == Lex::Filler)
    }
}

/// Turn matches into items, folding number words, multipliers, "dollars" and "percent" into numbers.
pub fn items(tokens: &[Token], matches: Vec<Match>) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    for m in matches {
        let tok = &tokens[m.from].tok;
        let word = match tok {
            Tok::Word(w) if m.to == m.from + 1 => Some(w.clone()),
            _ => None,
        };
        let mut item = Item {
            lex: m.lex,
            num: None,
            date: None,
            word,
            lead: Vec::new(),
            from: m.from,
            to: m.to,
        };
        match tok {
            Tok::Num {
                value,
                money,
                percent,
                plus,
            } if m.to == m.from + 1 => {
                item.num = Some(Amount {
                    value: *value,
                    money: *money,
                    percent: *percent,
                    plus: *plus,
                })
            }
            Tok::Date(d) => item.date = Some(*d),
            _ => {}
        }
        let word_num = item.lex.iter().find_map(|l| {
            if let Lex::NumWord(n) = l {
                Some(*n)
            } else {
                None
            }
        });
        if let Some(n) = word_num {
            item.num = Some(Amount {
                value: n,
                money: false,
                percent: false,
                plus: false,
            });
        }
        let prev_num = out.last().and_then(|p| p.num);
        let mult = item.lex.iter().find_map(|l| {
            if let Lex::Multiplier(n) = l {
                Some(*n)
            } else {
                None
            }
        });
        match (prev_num, mult) {
            (Some(mut a), Some(k)) => {
                a.value *= k;
                let last = out.last_mut().expect("previous item");
                last.num = Some(a);
                last.to = item.to;
                continue;
            }
            (None, Some(k)) => {
                item.num = Some(Amount {
                    value: k,
                    money: false,
                    percent: false,
                    plus: false,
                })
            }
            _ => {}
        }
        if let Some(a) = prev_num {
            let (money, percent) = (
                item.has(|l| *l == Lex::Money),
                item.has(|l| *l == Lex::Percent),
            );
            if money || percent {
                let last = out.last_mut().expect("previous item");
                last.num = Some(Amount {
                    money: a.money || money,
                    percent: a.percent || percent,
                    ..a
                });
                last.to = item.to;
                continue;
            }
        }
        out.push(item);
    }
    out
}

/// A time expression resolved against the as-of date.
#[derive(Debug, Clone, PartialEq)]
pub enum When {
    /// The last N units up to the as-of date.
    Last(i64, Unit),
    /// From the first day to the last day, both included.
    Dates(NaiveDate, NaiveDate),
    Before(NaiveDate),
    After(NaiveDate),
    /// On or before the end of day D − N units ("more than 60 days ago").
    Ago(i64, Unit),
}

fn unit_of(item: &Item) -> Option<Unit> {
    item.lex
        .iter()
        .find_map(|l| if let Lex::Unit(u) = l { Some(*u) } else { None })
}

/// Read a time expression at `i`; returns it and the index after it.
pub fn when(items: &[Item], i: usize, as_of: &AsOf) -> Option<(When, usize)> {
    let at = |k: usize| items.get(k);
    let mut j = i;
    // Leading prepositions: "in the last", "within", "for", "over the past".
    while at(j).is_some_and(|x| {
        x.has(|l| matches!(l, Lex::In | Lex::Within | Lex::For | Lex::Cmp(Op::Gt)))
    }) {
        let next = at(j + 1)?;
        let leads_on = next.has(|l| {
            matches!(
                l,
                Lex::Last
                    | Lex::Past
                    | Lex::Unit(_)
                    | Lex::Month(_)
                    | Lex::This
                    | Lex::QuarterN(_)
                    | Lex::Cmp(Op::Gt)
            )
        }) || next.num.is_some()
            || next.date.is_some();
        if !leads_on {
            return None;
        }
        j += 1;
    }
    let lead = j > i;
    let x = at(j)?;
    if x.has(|l| matches!(l, Lex::Last | Lex::Past)) {
        return relative(items, j, as_of, lead || x.has(|l| *l == Lex::Past));
    }
    if x.has(|l| *l == Lex::This) {
        let next = at(j + 1)?;
        let start = period_start(as_of.date(), next)?;
        return Some((When::Dates(start, as_of.date()), j + 2));
    }
    if x.has(|l| *l == Lex::Today) {
        return Some((When::Dates(as_of.date(), as_of.date()), j + 1));
    }
    if x.has(|l| *l == Lex::Since) {
        let (from, _, end) = period(items, j + 1, as_of)?;
        return Some((When::Dates(from, as_of.date()), end));
    }
    if x.has(|l| *l == Lex::Before) {
        let (from, _, end) = period(items, j + 1, as_of)?;
        return Some((When::Before(from), end));
    }
    if x.has(|l| *l == Lex::After) {
        let (_, to, end) = period(items, j + 1, as_of)?;
        return Some((When::After(to), end));
    }
    if x.has(|l| *l == Lex::Between) {
        let (from, _, mid) = period(items, j + 1, as_of)?;
        at(mid).filter(|m| m.has(|l| *l == Lex::And))?;
        let (_, to, end) = period(items, mid + 1, as_of)?;
        return Some((When::Dates(from, to), end));
    }
    // "in over a year", "for more than a month": the article is the number one.
    if let (true, None, Some(u)) = (lead, x.num, unit_of(x)) {
        return Some((When::Last(1, u), j + 1));
    }
    if let (Some(n), Some(u)) = (x.num, at(j + 1).and_then(unit_of)) {
        // "30 days ago" needs a comparison to mean a range; "for 30 days" means the last 30 days.
        if at(j + 2).is_some_and(|a| a.has(|l| *l == Lex::Ago)) {
            return Some((When::Ago(n.value as i64, u), j + 3));
        }
        if lead {
            return Some((When::Last(n.value as i64, u), j + 2));
        }
        return None;
    }
    if lead || x.has(|l| matches!(l, Lex::Month(_) | Lex::QuarterN(_))) || x.date.is_some() {
        let (from, to, end) = period(items, j, as_of)?;
        return Some((When::Dates(from, to), end));
    }
    None
}

/// "last 30 days", "past 2 weeks", "last quarter", "last month" (calendar when not `rolling`).
fn relative(items: &[Item], j: usize, as_of: &AsOf, rolling: bool) -> Option<(When, usize)> {
    let at = |k: usize| items.get(k);
    let (n, k) = match at(j + 1).and_then(|x| x.num) {
        Some(a) => (a.value as i64, j + 2),
        None => (1, j + 1),
    };
    let unit_item = at(k)?;
    let explicit = k == j + 2;
    if unit_item.has(|l| *l == Lex::Quarter) {
        if explicit || rolling {
            return Some((When::Last(3 * n, Unit::Months), k + 1));
        }
        let this_q = quarter_start(as_of.date());
        let prev = this_q.checked_sub_months(Months::new(3))?;
        return Some((When::Dates(prev, this_q - Days::new(1)), k + 1));
    }
    let u = unit_of(unit_item)?;
    if explicit || rolling || u == Unit::Days {
        return Some((When::Last(n, u), k + 1));
    }
    // "last week" / "last month" / "last year": the previous calendar period.
    let this = period_start(as_of.date(), unit_item)?;
    let prev = match u {
        Unit::Weeks => this - Days::new(7),
        Unit::Months => this.checked_sub_months(Months::new(1))?,
        Unit::Years => this.with_year(this.year() - 1)?,
        Unit::Days => unreachable!("days handled above"),
    };
    Some((When::Dates(prev, this - Days::new(1)), k + 1))
}

fn quarter_start(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), (d.month0() / 3) * 3 + 1, 1).expect("valid quarter start")
}

/// Start of the calendar period containing `d` named by `unit_item` (week starts on Monday).
fn period_start(d: NaiveDate, unit_item: &Item) -> Option<NaiveDate> {
    if unit_item.has(|l| *l == Lex::Quarter) {
        return Some(quarter_start(d));
    }
    match unit_of(unit_item)? {
        Unit::Days => Some(d),
        Unit::Weeks => Some(d - Days::new(u64::from(d.weekday().num_days_from_monday()))),
        Unit::Months => d.with_day(1),
        Unit::Years => NaiveDate::from_ymd_opt(d.year(), 1, 1),
    }
}

/// A named period: a month (with or without year), a year, or a date; first day, last day, end index.
pub fn period(items: &[Item], j: usize, as_of: &AsOf) -> Option<(NaiveDate, NaiveDate, usize)> {
    let x = items.get(j)?;
    if let Some(d) = x.date {
        return Some((d, d, j + 1));
    }
    let year_at = |k: usize| {
        items
            .get(k)
            .and_then(|y| y.num)
            .filter(|a| is_year(a.value) && !a.money)
    };
    if let Some(q) = x.lex.iter().find_map(|l| {
        if let Lex::QuarterN(q) = l {
            Some(*q)
        } else {
            None
        }
    }) {
        let (y, end) = match year_at(j + 1) {
            Some(a) => (a.value as i32, j + 2),
            None => (as_of.date().year(), j + 1),
        };
        let first = NaiveDate::from_ymd_opt(y, (q - 1) * 3 + 1, 1)?;
        return Some((
            first,
            first.checked_add_months(Months::new(3))? - Days::new(1),
            end,
        ));
    }
    if let Some(m) = x.lex.iter().find_map(|l| {
        if let Lex::Month(m) = l {
            Some(*m)
        } else {
            None
        }
    }) {
        // "March 1st", "March 1 2026": one day.
        let day = items.get(j + 1).and_then(|y| y.num).filter(|a| {
            !a.money && !a.percent && a.value.fract() == 0.0 && (1.0..=31.0).contains(&a.value)
        });
        if let Some(dn) = day {
            let (y, end) = match year_at(j + 2) {
                Some(a) => (a.value as i32, j + 3),
                None if m <= as_of.date().month() => (as_of.date().year(), j + 2),
                None => (as_of.date().year() - 1, j + 2),
            };
            let d = NaiveDate::from_ymd_opt(y, m, dn.value as u32)?;
            return Some((d, d, end));
        }
        let year = year_at(j + 1);
        let (y, end) = match year {
            Some(a) => (a.value as i32, j + 2),
            // A month without a year is its latest occurrence up to the as-of date.
            None if m <= as_of.date().month() => (as_of.date().year(), j + 1),
            None => (as_of.date().year() - 1, j + 1),
        };
        let first = NaiveDate::from_ymd_opt(y, m, 1)?;
        let last = first.checked_add_months(Months::new(1))? - Days::new(1);
        return Some((first, last, end));
    }
    let a = x
        .num
        .filter(|a| is_year(a.value) && !a.money && !a.percent)?;
    let y = a.value as i32;
    Some((
        NaiveDate::from_ymd_opt(y, 1, 1)?,
        NaiveDate::from_ymd_opt(y, 12, 31)?,
        j + 1,
    ))
}

fn is_year(v: f64) -> bool {
    v.fract() == 0.0 && (1900.0..=2100.0).contains(&v)
}

/// Days in a unit, for glossary parameters measured in days.
pub fn days_in(n: f64, unit: Unit) -> f64 {
    match unit {
        Unit::Days => n,
        Unit::Weeks => n * 7.0,
        Unit::Months => n * 30.0,
        Unit::Years => n * 365.0,
    }
}
