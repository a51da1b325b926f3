-- Trained predictive models (churn risk, purchase propensity, label propensities). Each training
-- run adds a version; the scores themselves are custom attributes (customer_attributes) named
-- after the model's task, so definitions and previews use them like any other field.
CREATE TABLE models (
    task TEXT NOT NULL,
    version BIGINT NOT NULL,
    kind TEXT NOT NULL,
    task_spec TEXT NOT NULL,
    features TEXT NOT NULL,
    report TEXT NOT NULL,
    logistic TEXT NOT NULL,
    as_of TEXT NOT NULL,
    train_until TEXT NOT NULL,
    scored BIGINT NOT NULL,
    trained_at BIGINT NOT NULL,
    PRIMARY KEY (task, version)
);
