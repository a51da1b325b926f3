//! The seeded demo dataset: customers across countries and US states with consents, emails and
//! phones; skewed spend with repeat, one-time and lapsed buyers; engagement events; and three
//! custom attributes (`plan_type`, `monthly_fee`, `has_kids`). Dates are relative to the as-of
//! date so "the last 30 days" always has people in it.

use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{App, AppError};
use crate::domain::catalog::{AttributeSpec, FieldType};
use crate::domain::time::{AsOf, DAY_SECS};
use crate::store::{Bind, CustomerRow, EventRow, ImportTx, OrderRow};

/// How much demo data to build.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    pub customers: u64,
    pub seed: u64,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
}

const FIRST: &[&str] = &[
    "Jane", "John", "Maria", "Wei", "Aisha", "Lucas", "Emma", "Noah", "Olivia", "Liam", "Sofia",
    "Mateo", "Chloe", "Arjun", "Yuki", "Fatima", "Oscar", "Ines", "Hugo", "Zoe",
];
const LAST: &[&str] = &[
    "Smith", "Garcia", "Chen", "Khan", "Muller", "Rossi", "Dubois", "Silva", "Kim", "Novak",
    "Brown", "Lopez", "Patel", "Sato", "Jones", "Martin",
];
const COUNTRIES: &[(&str, u32)] = &[
    ("US", 55),
    ("CA", 10),
    ("GB", 10),
    ("DE", 7),
    ("FR", 6),
    ("AU", 5),
    ("ES", 3),
    ("NL", 2),
    ("BR", 2),
];
const STATES: &[(&str, u32)] = &[
    ("CA", 18),
    ("TX", 14),
    ("NY", 10),
    ("FL", 10),
    ("IL", 6),
    ("WA", 6),
    ("PA", 5),
    ("OH", 5),
    ("GA", 5),
    ("MA", 5),
    ("CO", 4),
    ("NC", 4),
    ("AZ", 4),
    ("OR", 4),
];
const EVENTS: &[(&str, u32)] = &[
    ("page_view", 40),
    ("app_session", 15),
    ("email_open", 15),
    ("email_click", 6),
    ("add_to_cart", 10),
    ("cart_abandoned", 6),
    ("support_ticket", 2),
];
const PLANS: &[(&str, u32)] = &[("Annual", 30), ("Monthly", 45), ("Pay as you go", 25)];
/// Customers generated and written per batch.
const BATCH: u64 = 2_000;

fn pick<'a>(rng: &mut ChaCha8Rng, table: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = table.iter().map(|t| t.1).sum();
    let mut x = rng.random_range(0..total);
    for (v, w) in table {
        if x < *w {
            return v;
        }
        x -= w;
    }
    table[0].0
}

/// Columns demo customers fill, in [`CustomerRow::values`] order.
const COLUMNS: &[&str] = &[
    "email",
    "phone",
    "first_name",
    "last_name",
    "country",
    "region",
    "city",
    "signup_date",
    "email_consent",
    "sms_consent",
    "ads_consent",
];

struct Batch {
    customers: Vec<CustomerRow>,
    orders: Vec<OrderRow>,
    events: Vec<EventRow>,
}

fn customer(rng: &mut ChaCha8Rng, i: u64, as_of: &AsOf, b: &mut Batch) {
    let ext = format!("C{i:07}");
    let (first, last) = (
        FIRST[rng.random_range(0..FIRST.len())],
        LAST[rng.random_range(0..LAST.len())],
    );
    let country = pick(rng, COUNTRIES);
    let region = if country == "US" {
        Some(pick(rng, STATES).to_string())
    } else {
        None
    };
    let tenure_days = rng.random_range(1..1_100i64);
    let signup_day = as_of.day() - tenure_days;
    let email = rng.random_bool(0.92).then(|| {
        format!(
            "{}.{}{}@example.com",
            first.to_lowercase(),
            last.to_lowercase(),
            i
        )
    });
    let phone = rng
        .random_bool(0.6)
        .then(|| format!("+1555{:07}", i % 10_000_000));
    let b01 = |rng: &mut ChaCha8Rng, p: f64| Bind::Int(Some(i64::from(rng.random_bool(p))));
    let values = vec![
        Bind::Text(email),
        Bind::Text(phone),
        Bind::Text(Some(first.into())),
        Bind::Text(Some(last.into())),
        Bind::Text(Some(country.into())),
        Bind::Text(region),
        Bind::Text(None),
        Bind::Int(Some(signup_day)),
        b01(rng, 0.7),
        b01(rng, 0.3),
        b01(rng, 0.6),
    ];
    let plan = pick(rng, PLANS);
    let fee = match plan {
        "Annual" => rng.random_range(40..120) as f64,
        "Monthly" => rng.random_range(20..110) as f64,
        _ => rng.random_range(5..40) as f64,
    };
    let attributes = vec![
        ("plan_type".to_string(), None, Some(plan.to_string())),
        ("monthly_fee".to_string(), Some(fee), None),
        (
            "has_kids".to_string(),
            Some(f64::from(u8::from(rng.random_bool(0.35)))),
            None,
        ),
    ];
    b.customers.push(CustomerRow {
        external_id: ext.clone(),
        values,
        attributes,
    });
    activity(rng, &ext, tenure_days, as_of, b);
}

/// Orders and events: ~35% never buy; buyers have a skewed spend level and a habit that may
/// have stopped (lapsed) some time ago.
fn activity(rng: &mut ChaCha8Rng, ext: &str, tenure_days: i64, as_of: &AsOf, b: &mut Batch) {
    let end = as_of.end();
    let active_until = if rng.random_bool(0.45) {
        end - rng.random_range(0..tenure_days.min(600)) * DAY_SECS
    } else {
        end
    };
    let start = end - tenure_days * DAY_SECS;
    let span = (active_until - start).max(DAY_SECS);
    if rng.random_bool(0.65) {
        let level: f64 = (rng.random_range(0.0..1.0f64).powf(3.0) * 400.0) + 15.0;
        let orders = 1 + (rng.random_range(0.0..1.0f64).powf(2.5) * 40.0) as u64;
        for n in 0..orders {
            let t = start + rng.random_range(0..span);
            let amount = (level * rng.random_range(0.5..1.8) * 100.0).round() / 100.0;
            b.orders.push(OrderRow {
                key: format!("demo:{ext}:{n}"),
                customer: ext.to_string(),
                occurred_at: t,
                amount,
                quantity: Some(rng.random_range(1..5)),
            });
        }
    }
    let events = (rng.random_range(0.0..1.0f64).powf(2.0) * 36.0) as u64;
    for n in 0..events {
        let t = active_until - rng.random_range(0..span.min(180 * DAY_SECS));
        b.events.push(EventRow {
            key: format!("demo:{ext}:e{n}"),
            customer: ext.to_string(),
            name: pick(rng, EVENTS).to_string(),
            occurred_at: t,
            properties: None,
        });
    }
}

async fn write(tx: &mut ImportTx, b: Batch) -> Result<(u64, u64), AppError> {
    let counts = (b.orders.len() as u64, b.events.len() as u64);
    tx.upsert_customers(COLUMNS, b.customers).await?;
    tx.upsert_orders(b.orders).await?;
    tx.upsert_events(b.events).await?;
    Ok(counts)
}

/// Build the demo dataset (idempotent for the same seed and size), then refresh facts.
pub async fn generate_demo(
    app: &App,
    opts: DemoOptions,
    as_of: AsOf,
) -> Result<(u64, u64, u64), AppError> {
    let started = std::time::Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let bar = if opts.progress {
        ProgressBar::new(opts.customers)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} customers ({per_sec}, eta {eta})")
            .expect("template"),
    );
    bar.set_message("demo");
    let mut tx = app.store.begin_import().await?;
    let specs = [
        AttributeSpec {
            name: "plan_type".into(),
            ty: FieldType::Categorical,
            values: PLANS.iter().map(|p| p.0.to_string()).collect(),
            column: "PlanType".into(),
        },
        AttributeSpec {
            name: "monthly_fee".into(),
            ty: FieldType::Number,
            values: vec![],
            column: "MonthlyFee".into(),
        },
        AttributeSpec {
            name: "has_kids".into(),
            ty: FieldType::Boolean,
            values: vec![],
            column: "HasKids".into(),
        },
    ];
    tx.upsert_attribute_specs(&specs).await?;
    let (mut orders, mut events) = (0, 0);
    let mut i = 1;
    while i <= opts.customers {
        let mut b = Batch {
            customers: Vec::new(),
            orders: Vec::new(),
            events: Vec::new(),
        };
        let last = (i + BATCH - 1).min(opts.customers);
        for n in i..=last {
            customer(&mut rng, n, &as_of, &mut b);
        }
        let (o, e) = write(&mut tx, b).await?;
        (orders, events) = (orders + o, events + e);
        bar.set_position(last);
        i = last + 1;
    }
    tx.record(
        "demo",
        &format!("demo --customers {} --seed {}", opts.customers, opts.seed),
        opts.customers,
        opts.customers + orders + events,
        0,
    )
    .await?;
    bar.set_message("refreshing facts");
    tx.refresh_facts().await?;
    tx.forget_score_history().await?;
    tx.commit().await?;
    app.store.optimize().await?;
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo data written"
    );
    app.invalidate();
    bar.finish_and_clear();
    Ok((opts.customers, orders, events))
}

/// The demo's users, one per role (and a second manager for four-eyes approvals): created, or
/// reset with fresh passwords when they exist. Returns `(email, role, password)`.
pub async fn create_demo_users(
    app: &App,
) -> Result<Vec<(String, crate::domain::access::Role, String)>, AppError> {
    use crate::domain::access::Role;
    let mut out = Vec::new();
    for (email, role) in [
        ("marketer@demo.test", Role::Marketer),
        ("manager@demo.test", Role::CampaignManager),
        ("manager2@demo.test", Role::CampaignManager),
        ("admin@demo.test", Role::Admin),
    ] {
        let password = super::auth::generate_password();
        app.add_user(email, role, &password, true, &super::Actor::cli())
            .await?;
        out.push((email.to_string(), role, password));
    }
    Ok(out)
}
