//! The pure core of segwright: the definition language, the catalog and glossary, validation,
//! compilation to SQL text, the in-memory reference evaluator, explanations and preview types.
//!
//! Rule (enforced by `tests/architecture.rs`): nothing here imports axum, sqlx, tokio, reqwest,
//! async-openai, minijinja or tower. Data flows one way:
//! `Definition → validate → ValidDefinition → compile → CompiledQuery` (run by `store`).

pub mod access;
pub mod approval;
pub mod approval_basis;
pub mod audit;
pub mod catalog;
pub mod columnar;
pub mod compile;
pub mod definition;
pub mod disclosure;
pub mod evaluate;
pub mod explain;
pub mod geo;
pub mod glossary;
pub mod import;
pub mod mask;
pub mod normalize;
pub mod number;
pub mod policy;
pub mod pred;
pub mod preview;
pub mod scoring;
pub mod sources;
pub mod spreadsheet;
pub mod sync;
pub mod time;
pub mod validate;
