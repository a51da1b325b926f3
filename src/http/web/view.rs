//! What the chat page shows, computed from an answer: the request with each understood part
//! marked and numbered, assumption choices as follow-up requests, warnings about the audience,
//! and bar charts scaled for SVG (breakdowns, histograms and the members' score distributions).

use serde::Serialize;
use serde_json::Value;

pub use crate::domain::number::thousands;
use crate::domain::policy::Destination;

/// A piece of the request: plain, understood (the condition's number), or not understood.
#[derive(Serialize)]
pub struct Piece {
    pub text: String,
    pub kind: &'static str,
    pub n: usize,
}

/// Split the request at the spans the interpreter used and the ones it did not understand.
pub fn pieces(prompt: &str, answer: &Value) -> Vec<Piece> {
    let mut marks: Vec<(usize, usize, &'static str, usize)> = Vec::new();
    let span = |s: &Value| Some((s["start"].as_u64()? as usize, s["end"].as_u64()? as usize));
    for (k, e) in answer["explanation"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some((a, b)) = span(&e["span"]) {
            marks.push((a, b, "cond", k + 1));
        }
    }
    for u in answer["unrecognized"].as_array().into_iter().flatten() {
        if let Some((a, b)) = span(u) {
            marks.push((a, b, "unknown", 0));
        }
    }
    marks.sort();
    let mut out = Vec::new();
    let mut at = 0;
    for (a, b, kind, n) in marks {
        if a < at || b > prompt.len() || !prompt.is_char_boundary(a) || !prompt.is_char_boundary(b)
        {
            continue;
        }
        if a > at {
            out.push(Piece {
                text: prompt[at..a].to_string(),
                kind: "plain",
                n: 0,
            });
        }
        out.push(Piece {
            text: prompt[a..b].to_string(),
            kind,
            n,
        });
        at = b;
    }
    if at < prompt.len() {
        out.push(Piece {
            text: prompt[at..].to_string(),
            kind: "plain",
            n: 0,
        });
    }
    out
}

/// An assumption and the follow-up requests that change it.
#[derive(Serialize)]
pub struct Choice {
    pub text: String,
    pub span: String,
    /// Buttons: (label, follow-up request).
    pub options: Vec<(String, String)>,
    /// A duration the user may type instead ("30 days" → 45).
    pub days: Option<i64>,
}

pub fn choices(answer: &Value) -> Vec<Choice> {
    let mut out = Vec::new();
    for a in answer["assumptions"].as_array().into_iter().flatten() {
        let alternatives: Vec<String> = a["alternatives"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(String::from))
            .collect();
        let days_alt = alternatives.iter().any(|x| x.ends_with("days"));
        let days = days_alt.then(|| days_in(a["text"].as_str().unwrap_or("")).unwrap_or(90));
        let options = alternatives
            .iter()
            .map(|alt| {
                let ask = match alt.strip_suffix(" days") {
                    Some(n) => format!("what about {n} days?"),
                    None => format!("make it the {alt} instead"),
                };
                (alt.clone(), ask)
            })
            .collect();
        out.push(Choice {
            text: a["text"].as_str().unwrap_or("").into(),
            span: a["span"]["text"].as_str().unwrap_or("").into(),
            options,
            days,
        });
    }
    out
}

/// The number of days an assumption names ("inactive = no activity in the last 30 days" → 30):
/// the number right before "days", not the first number in the text (a "1 year" is not 1 day).
fn days_in(s: &str) -> Option<i64> {
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '=')
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .find(|w| w[1].starts_with("day"))
        .and_then(|w| w[0].parse().ok())
        .filter(|d| (1..=3650).contains(d))
}

/// Documented minimum audience sizes of the ad platforms.
const MINIMUMS: &[(Destination, &str, i64)] = &[
    (Destination::Meta, "Meta", 100),
    (Destination::Google, "Google Customer Match", 100),
    (Destination::Linkedin, "LinkedIn", 300),
    (Destination::Tiktok, "TikTok", 1000),
];

/// Warnings about the audience: too small for a platform this workspace sends to, nobody
/// reachable. Platforms not `configured` are not mentioned: nobody can send there anyway.
pub fn warnings(answer: &Value, configured: &[Destination]) -> Vec<String> {
    let size = &answer["preview"]["size"];
    let Some(count) = size["count"].as_i64() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let ads = size["reachable_ads"].as_i64().unwrap_or(0);
    let platforms: Vec<_> = MINIMUMS
        .iter()
        .filter(|(d, _, _)| configured.contains(d))
        .collect();
    let small: Vec<String> = platforms
        .iter()
        .filter(|(_, _, m)| ads < *m)
        .map(|(_, p, m)| format!("{p} (needs {m})"))
        .collect();
    if !small.is_empty() && count > 0 {
        out.push(format!(
            "Too small to activate on {}: {} members with ads consent.",
            small.join(", "),
            thousands(ads)
        ));
    }
    if count > 0 && ads == 0 && !platforms.is_empty() {
        out.push("Nobody in this audience has consented to ads.".into());
    }
    if count > 0 && size["reachable_email"].as_i64() == Some(0) {
        out.push("Nobody in this audience has consented to email.".into());
    }
    // Nobody at all is said by [`no_match`], with what to try.
    out
}

/// What the page says when no customer matches: which condition emptied the audience and
/// what to try instead, so a zero is an answer and not a dead end.
#[derive(Serialize)]
pub struct NoMatch {
    /// The condition that left nobody, in words, with the counts around it.
    pub because: String,
    /// Things to try, most likely first.
    pub tries: Vec<String>,
}

/// `None` unless the answer was previewed and nobody matched.
pub fn no_match(answer: &Value) -> Option<NoMatch> {
    let preview = &answer["preview"];
    if preview["size"]["count"].as_i64() != Some(0) {
        return None;
    }
    let total = preview["size"]["total_customers"].as_i64().unwrap_or(0);
    let conditions = preview["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let emptied = conditions
        .iter()
        .position(|c| c["cumulative"].as_i64() == Some(0));
    let because = match emptied {
        _ if total == 0 => "There are no customers in the data yet: import some first.".to_string(),
        Some(k) => {
            let c = &conditions[k];
            let what = c["description"].as_str().unwrap_or("this condition");
            let before = if k == 0 {
                total
            } else {
                conditions[k - 1]["cumulative"].as_i64().unwrap_or(0)
            };
            match (k, c["alone"].as_i64().unwrap_or(0)) {
                (_, 0) => format!("No customer matches condition {}: “{what}”.", k + 1),
                (0, alone) => format!(
                    "Condition 1 (“{what}”) matches {} customers, but none of them matches the rest.",
                    thousands(alone)
                ),
                (_, alone) => format!(
                    "{} customers match the conditions before condition {}, and {} match “{what}” on its own, but no customer matches both.",
                    thousands(before),
                    k + 1,
                    thousands(alone)
                ),
            }
        }
        None => "No customer matches every condition of this request.".to_string(),
    };
    let mut tries = vec!["Loosen a condition: a longer period, a lower amount or a broader place (e.g. “what about 90 days?”).".to_string()];
    if answer["diff"].as_array().is_some_and(|d| !d.is_empty()) {
        tries.push("Undo the last change (type “undo”).".into());
    }
    tries.push(
        "Remove the condition that leaves nobody (e.g. “drop the …”), or start a new audience."
            .into(),
    );
    Some(NoMatch { because, tries })
}

/// The `num` filter: whole numbers with thousands separators, fractions to at most 2 decimals
/// (`1379.3700000000001` → `1,379.37`); anything else as it is.
pub fn num(v: minijinja::Value) -> String {
    if let Some(n) = v.as_i64() {
        return thousands(n);
    }
    match f64::try_from(v.clone()) {
        Ok(f) if f.is_finite() => {
            let s = money_of(f);
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
        _ if v.is_none() || v.is_undefined() => "—".into(),
        _ => v.to_string(),
    }
}

/// The `money` filter: thousands separators and exactly 2 decimals.
pub fn money(v: minijinja::Value) -> String {
    match f64::try_from(v.clone()) {
        Ok(f) if f.is_finite() => money_of(f),
        _ if v.is_none() || v.is_undefined() => "—".into(),
        _ => v.to_string(),
    }
}

fn money_of(f: f64) -> String {
    let cents = (f * 100.0).round() as i64;
    let sign = if cents < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        thousands((cents / 100).abs()),
        (cents % 100).abs()
    )
}

/// A condition's sentence split for a marketer: the plain part, and the exact rule after a
/// top-level ` = ` (a glossary term's meaning), shown one click away. A term's single
/// parameter fills its `N` ("inactive for N days (days = 30)" → "inactive for 30 days").
pub fn plain_parts(sentence: &str) -> (String, Option<String>) {
    let mut depth = 0i32;
    let mut cut = None;
    for (k, ch) in sentence.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            '=' if depth == 0
                && sentence[..k].ends_with(' ')
                && sentence[k + 1..].starts_with(' ') =>
            {
                cut = Some(k);
                break;
            }
            _ => {}
        }
    }
    let (label, formal) = match cut {
        Some(k) => (
            sentence[..k - 1].to_string(),
            Some(sentence[k + 2..].to_string()),
        ),
        None => return (sentence.to_string(), None),
    };
    (fill_parameter(&label), formal)
}

/// "inactive for N days (days = 30)" → "inactive for 30 days"; other labels keep their values
/// in words ("(days: 30)").
fn fill_parameter(label: &str) -> String {
    let Some((head, params)) = label.strip_suffix(')').and_then(|l| l.rsplit_once(" (")) else {
        return label.to_string();
    };
    let pairs: Vec<(&str, &str)> = params
        .split(", ")
        .filter_map(|p| p.split_once(" = "))
        .collect();
    match pairs.as_slice() {
        [(_, v)] if head.split(' ').any(|w| w == "N") => head
            .split(' ')
            .map(|w| if w == "N" { *v } else { w })
            .collect::<Vec<_>>()
            .join(" "),
        _ => format!(
            "{head} ({})",
            pairs
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A change a turn made, as a marketer reads it: each condition as [`plain_parts`] says it;
/// "changed: A → B" loses its verb (the answer's "Changed:" leads it), "added: " and "removed: "
/// keep theirs. The arrow between the two sides is the one outside parentheses (a date range
/// inside a rule has its own).
pub fn plain_change(line: &str) -> String {
    if let Some(rest) = line.strip_prefix("changed: ") {
        return match split_outside_parentheses(rest, " → ") {
            Some((a, b)) => format!("{} → {}", plain_parts(a).0, plain_parts(b).0),
            None => plain_parts(rest).0,
        };
    }
    for verb in ["added: ", "removed: "] {
        if let Some(rest) = line.strip_prefix(verb) {
            return format!("{verb}{}", plain_parts(rest).0);
        }
    }
    plain_parts(line).0
}

fn split_outside_parentheses<'a>(s: &'a str, sep: &str) -> Option<(&'a str, &'a str)> {
    let mut depth = 0i32;
    for (k, ch) in s.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 && s[k..].starts_with(sep) => {
                return Some((&s[..k], &s[k + sep.len()..]));
            }
            _ => {}
        }
    }
    None
}

/// One bar of a chart, with its length as a share of the longest.
#[derive(Serialize)]
pub struct Bar {
    pub label: String,
    pub count: i64,
    pub width: f64,
    pub y: usize,
}

/// A chart: a title and its bars.
#[derive(Serialize)]
pub struct Chart {
    pub title: &'static str,
    pub bars: Vec<Bar>,
    pub height: usize,
}

pub fn charts(preview: &Value) -> Vec<Chart> {
    let specs = [
        ("by_value_tier", "Value tier"),
        ("revenue_histogram", "Lifetime revenue"),
        ("inactivity_histogram", "Days since last activity"),
        ("by_country", "Country"),
    ];
    let mut out: Vec<Chart> = specs
        .iter()
        .filter_map(|(key, title)| chart(title, preview[*key].as_array()?))
        .collect();
    // The members' score distributions, when models are trained.
    for d in preview["performance"]["distribution"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let title = match d["score"].as_str() {
            Some("churn_risk") => "Churn risk of members",
            Some("purchase_propensity") => "Purchase propensity of members",
            _ => "Score of members",
        };
        out.extend(d["buckets"].as_array().and_then(|b| chart(title, b)));
    }
    out
}

/// A bar chart of `{label, count}` rows (at most 12), or `None` when there are none. Empty
/// buckets are left out: a list of zeros is noise, not information.
fn chart(title: &'static str, rows: &[Value]) -> Option<Chart> {
    let rows: Vec<&Value> = rows
        .iter()
        .filter(|r| r["count"].as_i64().unwrap_or(0) > 0)
        .collect();
    if rows.is_empty() {
        return None;
    }
    let max = rows
        .iter()
        .filter_map(|r| r["count"].as_i64())
        .max()
        .unwrap_or(0)
        .max(1);
    let bars: Vec<Bar> = rows
        .iter()
        .take(12)
        .enumerate()
        .map(|(k, r)| {
            let count = r["count"].as_i64().unwrap_or(0);
            Bar {
                label: r["label"].as_str().unwrap_or("").into(),
                count,
                width: (count as f64 / max as f64 * 100.0 * 10.0).round() / 10.0,
                y: k * 24,
            }
        })
        .collect();
    let height = bars.len() * 24;
    Some(Chart {
        title,
        bars,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_request_is_split_into_understood_and_unknown_parts() {
        let a = json!({"explanation": [{"span": {"start": 0, "end": 10}}], "unrecognized": [{"start": 21, "end": 26}]});
        let p = pieces("high-value customers zzzzz", &a);
        let kinds: Vec<_> = p.iter().map(|x| (x.text.as_str(), x.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                ("high-value", "cond"),
                (" customers ", "plain"),
                ("zzzzz", "unknown")
            ]
        );
    }

    #[test]
    fn a_small_audience_warns_for_each_platform_minimum() {
        let a = json!({"preview": {"size": {"count": 250, "reachable_ads": 150, "reachable_email": 10}}});
        let all = [
            Destination::Meta,
            Destination::Google,
            Destination::Linkedin,
            Destination::Tiktok,
        ];
        let w = warnings(&a, &all);
        assert!(
            w[0].contains("LinkedIn (needs 300)")
                && w[0].contains("TikTok")
                && !w[0].contains("Meta"),
            "{w:?}"
        );
        let w = warnings(&a, &[Destination::Webhook, Destination::Linkedin]);
        assert!(
            w[0].contains("LinkedIn") && !w[0].contains("TikTok"),
            "only platforms configured: {w:?}"
        );
        assert!(
            warnings(&a, &[Destination::Webhook, Destination::Csv]).is_empty(),
            "no ad platform, no size warning"
        );
    }

    #[test]
    fn an_empty_audience_names_the_condition_that_emptied_it_and_what_to_try() {
        let a = json!({"diff": [], "preview": {"size": {"count": 0, "total_customers": 400}, "conditions": [
            {"description": "big spenders", "alone": 40, "cumulative": 40},
            {"description": "no orders", "alone": 147, "cumulative": 0}]}});
        let m = no_match(&a).expect("nobody matched");
        assert!(
            m.because.contains("condition 2")
                && m.because.contains("40")
                && m.because.contains("147"),
            "{}",
            m.because
        );
        assert!(
            m.tries.iter().any(|t| t.contains("Loosen"))
                && !m.tries.iter().any(|t| t.contains("undo"))
        );
        assert!(no_match(&json!({"preview": {"size": {"count": 3}}})).is_none());
        assert_eq!(
            (thousands(1234567), thousands(12), thousands(-1000)),
            ("1,234,567".into(), "12".into(), "-1,000".into())
        );
        let (i, f) = (
            |n: i64| minijinja::Value::from(n),
            |x: f64| minijinja::Value::from(x),
        );
        assert_eq!(
            (
                num(i(20000)),
                num(f(1379.3700000000001)),
                num(f(2.5)),
                num(f(-0.004))
            ),
            ("20,000".into(), "1,379.37".into(), "2.5".into(), "0".into())
        );
        assert_eq!(
            (
                money(f(1379.3700000000001)),
                money(i(1234567)),
                money(f(-2.5))
            ),
            ("1,379.37".into(), "1,234,567.00".into(), "-2.50".into())
        );
    }

    #[test]
    fn a_terms_sentence_reads_plainly_with_the_exact_rule_apart() {
        let (plain, formal) = plain_parts(
            "inactive for N days (days = 30) = not (last activity date within the last 30 days)",
        );
        assert_eq!(
            (plain.as_str(), formal.as_deref()),
            (
                "inactive for 30 days",
                Some("not (last activity date within the last 30 days)")
            )
        );
        assert_eq!(
            plain_parts("country is US"),
            ("country is US".to_string(), None)
        );
        assert_eq!(
            plain_parts("high-value = lifetime revenue ≥ 500.00").0,
            "high-value"
        );
    }

    #[test]
    fn a_change_reads_plainly_whatever_the_rules_hold() {
        let line = "changed: inactive for N days (days = 30) = not (last activity date within (2026-10-24 → 2026-11-22)) → inactive for N days (days = 60) = not (last activity date within (2026-09-24 → 2026-11-22))";
        assert_eq!(
            plain_change(line),
            "inactive for 30 days → inactive for 60 days"
        );
        assert_eq!(
            plain_change("removed: high-value = top 10% by lifetime revenue"),
            "removed: high-value"
        );
        assert_eq!(plain_change("added: country is US"), "added: country is US");
    }

    #[test]
    fn percentile_alternatives_become_follow_up_requests() {
        let a = json!({"assumptions": [{"text": "high-value = top 20%", "span": {"text": "high-value"}, "alternatives": ["top 10%", "top 30%"]}]});
        let c = choices(&a);
        assert_eq!(
            c[0].options[0],
            (
                "top 10%".to_string(),
                "make it the top 10% instead".to_string()
            )
        );
        assert_eq!(c[0].days, None);
        let a = json!({"assumptions": [{"text": "lapsed = no order for 1 year (365 days)", "alternatives": ["180 days"]}]});
        assert_eq!(choices(&a)[0].days, Some(365));
        let a = json!({"assumptions": [{"text": "recently = in the last 1 month", "alternatives": ["90 days"]}]});
        assert_eq!(
            choices(&a)[0].days,
            Some(90),
            "no days named: 90, not the 1 of the text"
        );
    }
}
