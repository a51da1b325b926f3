//! The catalog: every field a segment may use, with its type, unit, synonyms and (for
//! categorical fields) its values. Built from the schema, the derived facts and the custom
//! attributes found by imports; the compiler takes identifiers only from here.

use serde::Serialize;

/// What kind of values a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Number,
    Text,
    Boolean,
    Date,
    Categorical,
}

/// The unit a number is measured in, for display and for the interpreter's lexicon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldUnit {
    None,
    Currency,
    Days,
    Count,
    Probability,
}

/// Per-customer facts derived from orders and events (precomputed in `customer_facts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact {
    LifetimeRevenue,
    OrderCount,
    AverageOrderValue,
    ItemsBought,
    FirstOrderAt,
    LastOrderAt,
    LastActivityAt,
    DaysSinceLastOrder,
    DaysSinceLastActivity,
    TenureDays,
}

/// Where a field's value comes from; decides the SQL expression the compiler writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum Source {
    /// A column of `customers` (name fixed in code, never from input).
    Column(&'static str),
    /// A derived fact.
    Fact(Fact),
    /// A custom attribute, stored in `customer_attributes` under this name.
    Attribute(String),
}

/// How a date field is stored: a plain calendar day, or an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateRepr {
    Day,
    Instant,
}

/// One segmentable field.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    pub unit: FieldUnit,
    pub description: String,
    pub synonyms: Vec<String>,
    /// Known values of a categorical field, as the data spells them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    pub source: Source,
    /// For date fields: day or instant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_repr: Option<DateRepr>,
    /// Personal data: masked in samples, never in logs.
    pub pii: bool,
}

/// A custom attribute as recorded by an import.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttributeSpec {
    pub name: String,
    pub ty: FieldType,
    pub values: Vec<String>,
    /// The CSV header it came from.
    pub column: String,
}

/// Every field a definition may reference.
#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    pub fields: Vec<Field>,
    /// Event names seen in the data (aggregates over events may filter on them).
    pub events: Vec<String>,
    /// The data has orders: without them, order facts (spend, recency of purchase) are empty
    /// and a request about purchases must be about something else, or asked about.
    #[serde(skip)]
    pub orders: bool,
    /// What the customer's files call things (empty for data imported before it was kept).
    #[serde(skip)]
    pub sources: crate::domain::sources::Sources,
}

struct Builtin {
    name: &'static str,
    ty: FieldType,
    unit: FieldUnit,
    source: Source,
    repr: Option<DateRepr>,
    pii: bool,
    description: &'static str,
    synonyms: &'static [&'static str],
}

fn builtins() -> Vec<Builtin> {
    use FieldType::*;
    use FieldUnit as U;
    let col = |name, ty, pii, description, synonyms| Builtin {
        name,
        ty,
        unit: U::None,
        source: Source::Column(name),
        repr: None,
        pii,
        description,
        synonyms,
    };
    let fact = |name, ty, unit, fact, repr, description, synonyms| Builtin {
        name,
        ty,
        unit,
        source: Source::Fact(fact),
        repr,
        pii: false,
        description,
        synonyms,
    };
    vec![
        col(
            "external_id",
            Text,
            false,
            "The customer's id in your systems.",
            &["customer id", "id"],
        ),
        col(
            "email",
            Text,
            true,
            "Email address.",
            &["email address", "e-mail"],
        ),
        col(
            "phone",
            Text,
            true,
            "Phone number.",
            &["phone number", "mobile"],
        ),
        col("first_name", Text, true, "First name.", &["given name"]),
        col(
            "last_name",
            Text,
            true,
            "Last name.",
            &["surname", "family name"],
        ),
        col(
            "country",
            Categorical,
            false,
            "Country (ISO 3166 alpha-2 code).",
            &["nation"],
        ),
        col(
            "region",
            Categorical,
            false,
            "Region or state (US states as two-letter codes).",
            &["state", "province"],
        ),
        col("city", Text, false, "City.", &["town"]),
        col(
            "postal_code",
            Text,
            true,
            "Postal code.",
            &["zip", "zip code", "postcode"],
        ),
        Builtin {
            repr: Some(DateRepr::Day),
            ..col(
                "signup_date",
                Date,
                false,
                "Day the customer signed up.",
                &["signup", "joined", "registration date"],
            )
        },
        col(
            "email_consent",
            Boolean,
            false,
            "Consented to email marketing.",
            &["subscribed to email", "email opt-in"],
        ),
        col(
            "sms_consent",
            Boolean,
            false,
            "Consented to SMS marketing.",
            &["sms opt-in", "text messages"],
        ),
        col(
            "ads_consent",
            Boolean,
            false,
            "Consented to ad targeting.",
            &["opted in to ads", "ads opt-in"],
        ),
        fact(
            "lifetime_revenue",
            Number,
            U::Currency,
            Fact::LifetimeRevenue,
            None,
            "Total amount of all orders.",
            &[
                "revenue",
                "spend",
                "total spend",
                "ltv",
                "lifetime value",
                "value",
            ],
        ),
        fact(
            "order_count",
            Number,
            U::Count,
            Fact::OrderCount,
            None,
            "Number of orders.",
            &["orders", "purchases", "frequency"],
        ),
        fact(
            "average_order_value",
            Number,
            U::Currency,
            Fact::AverageOrderValue,
            None,
            "Lifetime revenue divided by order count (unset without orders).",
            &["aov", "average order", "basket size"],
        ),
        fact(
            "items_bought",
            Number,
            U::Count,
            Fact::ItemsBought,
            None,
            "Total quantity over all orders.",
            &["items", "units"],
        ),
        fact(
            "first_order_date",
            Date,
            U::None,
            Fact::FirstOrderAt,
            Some(DateRepr::Instant),
            "When the first order happened.",
            &["first purchase", "first order"],
        ),
        fact(
            "last_order_date",
            Date,
            U::None,
            Fact::LastOrderAt,
            Some(DateRepr::Instant),
            "When the latest order happened.",
            &["last purchase", "last order", "most recent order"],
        ),
        fact(
            "last_activity_date",
            Date,
            U::None,
            Fact::LastActivityAt,
            Some(DateRepr::Instant),
            "Latest order or event.",
            &["last activity", "last seen"],
        ),
        fact(
            "days_since_last_order",
            Number,
            U::Days,
            Fact::DaysSinceLastOrder,
            None,
            "Whole days from the last order to the as-of date (unset without orders).",
            &["recency", "days since purchase"],
        ),
        fact(
            "days_since_last_activity",
            Number,
            U::Days,
            Fact::DaysSinceLastActivity,
            None,
            "Whole days from the last order or event to the as-of date.",
            &["inactivity", "days inactive"],
        ),
        fact(
            "tenure_days",
            Number,
            U::Days,
            Fact::TenureDays,
            None,
            "Days since signup (or first order when no signup date is known).",
            &["tenure", "customer age"],
        ),
    ]
}

/// A custom attribute's description; score deciles say which end is the top.
fn attribute_description(a: &AttributeSpec) -> String {
    match a.name.strip_suffix("_decile") {
        Some(score) if a.column == a.name => {
            format!(
                "Decile of `{score}` among scored customers: 1 = the highest 10% of scores, 10 = the lowest 10%."
            )
        }
        _ => format!("Custom attribute from the `{}` column.", a.column),
    }
}

impl Catalog {
    /// Build the catalog from the built-in fields, the categorical values seen in the data for
    /// built-in categorical columns, and the imported custom attributes.
    pub fn build(
        country_values: Vec<String>,
        region_values: Vec<String>,
        attributes: &[AttributeSpec],
    ) -> Self {
        let mut fields: Vec<Field> = builtins()
            .into_iter()
            .map(|b| Field {
                name: b.name.to_string(),
                ty: b.ty,
                unit: b.unit,
                description: b.description.to_string(),
                synonyms: b.synonyms.iter().map(|s| s.to_string()).collect(),
                values: match b.name {
                    "country" => country_values.clone(),
                    "region" => region_values.clone(),
                    _ => Vec::new(),
                },
                date_repr: b.repr,
                source: b.source,
                pii: b.pii,
            })
            .collect();
        for a in attributes {
            if fields.iter().any(|f| f.name == a.name) {
                continue;
            }
            fields.push(Field {
                name: a.name.clone(),
                ty: a.ty,
                unit: FieldUnit::None,
                description: attribute_description(a),
                synonyms: vec![a.column.clone()],
                values: a.values.clone(),
                date_repr: (a.ty == FieldType::Date).then_some(DateRepr::Day),
                source: Source::Attribute(a.name.clone()),
                pii: false,
            });
        }
        Self {
            fields,
            events: Vec::new(),
            orders: true,
            sources: Default::default(),
        }
    }

    /// The same catalog knowing the headers the imports mapped.
    pub fn with_sources(mut self, sources: crate::domain::sources::Sources) -> Self {
        self.sources = sources;
        self
    }

    /// The same catalog knowing whether any order exists.
    pub fn with_orders(mut self, orders: bool) -> Self {
        self.orders = orders;
        self
    }

    /// The same catalog knowing the cities the data has (`city` stays free text: any value is
    /// valid, these are the ones a request can be matched against).
    pub fn with_cities(mut self, cities: Vec<String>) -> Self {
        if let Some(f) = self.fields.iter_mut().find(|f| f.name == "city") {
            f.values = cities;
        }
        self
    }

    /// The same catalog knowing which event names exist.
    pub fn with_events(mut self, events: Vec<String>) -> Self {
        self.events = events;
        self
    }

    pub fn get(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// A field by its name, or by the CSV column it was imported from as the file spelled it
    /// (`Churn`, `Streaming TV`, `MonthlyCharges`): every command and API that takes a field
    /// accepts both.
    pub fn resolve(&self, name: &str) -> Option<&Field> {
        let name = name.trim();
        self.get(name).or_else(|| {
            let custom = |f: &&Field| matches!(f.source, Source::Attribute(_));
            let by_column = self.fields.iter().filter(custom).find(|f| {
                f.synonyms
                    .first()
                    .is_some_and(|c| c.trim().eq_ignore_ascii_case(name))
            });
            by_column.or_else(|| self.get(&crate::domain::import::attribute_name(name)))
        })
    }

    /// Up to three field names close to an unknown one, closest first.
    pub fn suggest(&self, name: &str) -> Vec<String> {
        let needle = name.to_lowercase();
        let mut scored: Vec<(f64, &str)> = self
            .fields
            .iter()
            .flat_map(|f| {
                let best = std::iter::once(f.name.as_str())
                    .chain(f.synonyms.iter().map(String::as_str))
                    .map(|s| strsim::jaro_winkler(&needle, &s.to_lowercase()))
                    .fold(0.0, f64::max);
                let contains = f.name.contains(&needle) && needle.len() >= 3;
                std::iter::once((if contains { best.max(0.9) } else { best }, f.name.as_str()))
            })
            .filter(|(s, _)| *s >= 0.75)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        scored
            .into_iter()
            .take(3)
            .map(|(_, n)| n.to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_suggests_the_field_meant() {
        let c = Catalog::build(vec![], vec![], &[]);
        assert_eq!(
            c.suggest("lifetime_revnue").first().map(String::as_str),
            Some("lifetime_revenue")
        );
    }

    #[test]
    fn custom_attributes_join_the_catalog() {
        let a = AttributeSpec {
            name: "plan_type".into(),
            ty: FieldType::Categorical,
            values: vec!["Annual".into()],
            column: "PlanType".into(),
        };
        let c = Catalog::build(vec![], vec![], &[a]);
        let f = c.get("plan_type").unwrap();
        assert_eq!(f.source, Source::Attribute("plan_type".into()));
        assert_eq!(f.values, vec!["Annual".to_string()]);
    }
}
