//! Insights across incidents, for managers: how many, how fast, how much error
//! budget, how well the follow-up went, how disciplined the updates were, over a
//! period and filters. The figures are computed here from plain facts (pure, with
//! golden tests, `compute`); the store gathers the facts; `html` and `svg` draw the
//! page, `export` writes CSV and Markdown for the exports and `warroom report`.

pub mod compute;
pub mod export;
pub mod fields;
pub mod html;
pub mod model;
pub mod svg;

pub use crate::domain::facts::{BudgetUse, IncidentFacts};
pub use model::{
    ActionFacts, ActionStats, Bucket, BudgetRow, Discipline, Filter, OwnerStats, Phase,
    PostmortemStats, Report, ServiceCount, Timing,
};
