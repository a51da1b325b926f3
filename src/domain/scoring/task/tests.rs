use super::super::features::{FeatureSpec, orders_table};
use super::*;

const DAY: i64 = 86_400;

fn rows(extra_after_t: bool) -> Vec<(String, i64, f64, Option<f64>)> {
    let mut v = Vec::new();
    for c in 0..40 {
        for k in 0..(c % 5 + 1) {
            v.push((
                format!("c{c:02}"),
                (k * 20 + c) * DAY,
                10.0 + c as f64,
                Some(1.0),
            ));
        }
        if extra_after_t && c % 2 == 0 {
            v.push((format!("c{c:02}"), 300 * DAY + c * 3600, 99.0, Some(3.0)));
        }
    }
    v
}

/// Changing data after T changes no training feature (only labels), so nothing leaks.
#[test]
fn training_features_ignore_data_after_t() {
    let (t_at, now) = (200 * DAY, 400 * DAY);
    let (a, b) = (orders_table(rows(false)), orders_table(rows(true)));
    for task in [Task::churn(90), Task::propensity(30)] {
        let spec = FeatureSpec::from_table(&a, &|c| task.excludes(c));
        let da = task.dataset(&a, &spec, t_at, now).unwrap();
        let db = task.dataset(&b, &spec, t_at, now).unwrap();
        assert_eq!(da.x, db.x, "features must not see orders after T");
        assert_ne!(da.y, db.y, "labels come from (T, D]");
    }
}

#[test]
fn labels_follow_the_horizon() {
    let t = orders_table(rows(true));
    let spec = FeatureSpec::from_table(&t, &|_| false);
    let d = Task::churn(90)
        .dataset(&t, &spec, 200 * DAY, 400 * DAY)
        .unwrap();
    // even customers ordered after T (not churned), odd ones did not (churned)
    assert!(d.y.iter().enumerate().all(|(i, &y)| y == (i % 2 == 1)));
    let p = Task::propensity(30)
        .dataset(&t, &spec, 200 * DAY, 400 * DAY)
        .unwrap();
    assert!(p.y.iter().zip(&d.y).all(|(a, b)| a != b));
    assert_eq!(d.names[0], "recency_days");
    assert_eq!(d.x[0][0], 200.0, "c00 last ordered on day 0");
}

#[test]
fn label_tasks_train_on_set_labels_and_score_blank_ones() {
    let mut t = orders_table(rows(false));
    let label: Vec<f64> = (0..t.len())
        .map(|i| if i < 10 { f64::NAN } else { (i % 2) as f64 })
        .collect();
    t.columns.insert("churned".into(), Column::Num(label));
    let task = Task::label("churned");
    let spec = FeatureSpec::from_table(&t, &|c| task.excludes(c));
    assert!(spec.numeric.is_empty(), "the label is not a feature");
    assert_eq!(task.dataset(&t, &spec, 0, 400 * DAY).unwrap().y.len(), 30);
    assert_eq!(
        task.scoring_rows(&t, 400 * DAY).unwrap(),
        (0..10).collect::<Vec<_>>()
    );
    assert_eq!(task.attribute(), "churned_propensity");
    assert!(Task::label("nope").scoring_rows(&t, 0).is_err());
}

#[test]
fn deciles_hold_a_tenth_each_even_when_many_scores_tie() {
    // A forest's vote fractions: a third of the customers share the top score.
    let scores: Vec<f64> = (0..300)
        .map(|i| {
            if i % 3 == 0 {
                1.0
            } else {
                f64::from(i) / 1000.0
            }
        })
        .collect();
    let d = deciles(&scores);
    for k in 1..=10u8 {
        assert_eq!(d.iter().filter(|&&x| x == k).count(), 30, "decile {k}");
    }
    let lowest_top = (0..300)
        .filter(|&i| d[i] == 1)
        .map(|i| scores[i])
        .fold(f64::INFINITY, f64::min);
    let highest_rest = (0..300)
        .filter(|&i| d[i] > 1)
        .map(|i| scores[i])
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(
        lowest_top >= highest_rest,
        "decile 1 holds the highest scores"
    );
    assert_eq!(d[1], 10, "the lowest score is in decile 10");
}

#[test]
fn a_forests_factors_name_the_feature_it_splits_on_and_which_way_it_pushes() {
    use super::super::model::{Forest, ForestParams};
    // Only the first feature decides the label; the second is noise.
    let x: Vec<Vec<f64>> = (0..300)
        .map(|i| vec![f64::from(i % 100), f64::from((i * 37) % 11)])
        .collect();
    let y: Vec<bool> = x.iter().map(|r| r[0] >= 50.0).collect();
    let forest = Forest::fit(
        &x,
        &y,
        ForestParams {
            trees: 20,
            min_samples_leaf: 3,
            max_depth: 5,
            seed: 3,
        },
    )
    .unwrap();
    let names = ["orders_90d".to_string(), "noise".to_string()];
    // Against an average customer below the threshold, a high value raises the score ...
    let high = forest_factors(&forest, &[30.0, 5.0], &names, &[vec![95.0, 3.0]], 2).unwrap();
    assert_eq!(high[0][0].feature, "orders_90d");
    assert!(high[0][0].contribution > 0.5, "{:?}", high[0]);
    // ... and against one above it, a low value lowers it.
    let low = forest_factors(&forest, &[70.0, 5.0], &names, &[vec![5.0, 3.0]], 2).unwrap();
    assert_eq!(low[0][0].feature, "orders_90d");
    assert!(low[0][0].contribution < -0.5, "{:?}", low[0]);
    assert!(
        high.iter()
            .chain(&low)
            .flatten()
            .all(|x| x.contribution != 0.0),
        "features with no effect are left out"
    );
}
