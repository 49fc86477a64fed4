//! Insights across incidents, for managers: how many, how fast, how much error
//! budget, how well the follow-up went, how disciplined the updates were, over a
//! period and filters. The figures are computed here from plain facts (pure, with
//! golden tests); the store gathers the facts and the web and the CLI show them.

pub mod html;
pub mod model;
pub mod svg;

pub use model::{
    ActionFacts, ActionStats, Bucket, BudgetRow, BudgetUse, Discipline, Filter, IncidentFacts,
    OwnerStats, Phase, PostmortemStats, Report, ServiceCount, Timing,
};
