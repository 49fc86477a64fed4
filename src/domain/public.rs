//! What customers may see: a component's state, the public status of an incident, its
//! impact, and the external updates as published. Built from published external
//! updates only, never from the incident's internal record.

use chrono::{DateTime, Utc};

use super::Severity;

/// A component's state, in Statuspage's words. Ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ComponentState {
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

impl ComponentState {
    pub const ALL: [ComponentState; 5] = [
        ComponentState::Operational,
        ComponentState::UnderMaintenance,
        ComponentState::DegradedPerformance,
        ComponentState::PartialOutage,
        ComponentState::MajorOutage,
    ];

    /// Statuspage's key (`partial_outage`).
    pub fn key(self) -> &'static str {
        match self {
            ComponentState::Operational => "operational",
            ComponentState::UnderMaintenance => "under_maintenance",
            ComponentState::DegradedPerformance => "degraded_performance",
            ComponentState::PartialOutage => "partial_outage",
            ComponentState::MajorOutage => "major_outage",
        }
    }

    /// As people read it ("Partial outage").
    pub fn label(self) -> &'static str {
        match self {
            ComponentState::Operational => "Operational",
            ComponentState::UnderMaintenance => "Under maintenance",
            ComponentState::DegradedPerformance => "Degraded performance",
            ComponentState::PartialOutage => "Partial outage",
            ComponentState::MajorOutage => "Major outage",
        }
    }

    /// Reads a key, or a short form people type (`degraded`, `partial`, `major`,
    /// `ok`, `maintenance`).
    pub fn parse(s: &str) -> Option<ComponentState> {
        let s = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Some(match s.as_str() {
            "operational" | "ok" | "up" => ComponentState::Operational,
            "under_maintenance" | "maintenance" => ComponentState::UnderMaintenance,
            "degraded_performance" | "degraded" => ComponentState::DegradedPerformance,
            "partial_outage" | "partial" => ComponentState::PartialOutage,
            "major_outage" | "major" | "down" => ComponentState::MajorOutage,
            _ => return None,
        })
    }

    /// What an incident of `sev` does to the components it affects, until someone
    /// says otherwise.
    /// Follows the severity's status page impact: critical a major outage, major a
    /// partial one, anything less degraded performance.
    pub fn for_severity(sev: Severity) -> ComponentState {
        match Impact::of(sev) {
            Impact::Critical => ComponentState::MajorOutage,
            Impact::Major => ComponentState::PartialOutage,
            Impact::Minor | Impact::None => ComponentState::DegradedPerformance,
        }
    }
}

/// The public status of an incident: Statuspage's four realtime values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PublicStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl PublicStatus {
    pub const ALL: [PublicStatus; 4] = [
        PublicStatus::Investigating,
        PublicStatus::Identified,
        PublicStatus::Monitoring,
        PublicStatus::Resolved,
    ];

    pub fn key(self) -> &'static str {
        match self {
            PublicStatus::Investigating => "investigating",
            PublicStatus::Identified => "identified",
            PublicStatus::Monitoring => "monitoring",
            PublicStatus::Resolved => "resolved",
        }
    }

    /// "Investigating", as in the seed's template `[14:05 UTC] Investigating — …`.
    pub fn label(self) -> &'static str {
        match self {
            PublicStatus::Investigating => "Investigating",
            PublicStatus::Identified => "Identified",
            PublicStatus::Monitoring => "Monitoring",
            PublicStatus::Resolved => "Resolved",
        }
    }

    pub fn parse(s: &str) -> Option<PublicStatus> {
        PublicStatus::ALL
            .into_iter()
            .find(|p| p.key().eq_ignore_ascii_case(s.trim()))
    }

    /// The public status matching warroom's own.
    pub fn of(status: super::Status) -> PublicStatus {
        use super::Status;
        match status {
            Status::Investigating => PublicStatus::Investigating,
            Status::Identified => PublicStatus::Identified,
            Status::Monitoring => PublicStatus::Monitoring,
            Status::Resolved => PublicStatus::Resolved,
        }
    }
}

/// An incident's public impact, in Statuspage's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    None,
    Minor,
    Major,
    Critical,
}

impl Impact {
    pub fn key(self) -> &'static str {
        match self {
            Impact::None => "none",
            Impact::Minor => "minor",
            Impact::Major => "major",
            Impact::Critical => "critical",
        }
    }

    /// Reads `critical`, `major`, `minor` or `none`.
    pub fn parse(s: &str) -> Option<Impact> {
        [Impact::None, Impact::Minor, Impact::Major, Impact::Critical]
            .into_iter()
            .find(|i| i.key() == s)
    }

    /// The severity's configured `statuspage_impact` (validated at start; `none` if
    /// it were anything else).
    pub fn of(sev: Severity) -> Impact {
        Impact::parse(&sev.level().statuspage_impact).unwrap_or(Impact::None)
    }
}

/// One external update as published: plain text, exactly what customers read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalUpdate {
    pub id: i64,
    /// The warroom incident's number.
    pub incident: i64,
    pub status: PublicStatus,
    /// The public title of the incident (the latest update's title is current).
    pub title: String,
    pub body: String,
    /// The components it names, by `[[status.components]]` name, and their state.
    pub components: Vec<(String, ComponentState)>,
    pub posted_by: String,
    pub posted_at: DateTime<Utc>,
}

/// A public incident: the external updates of one warroom incident, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicIncident {
    pub id: i64,
    pub impact: Impact,
    /// Never empty.
    pub updates: Vec<ExternalUpdate>,
}

impl PublicIncident {
    pub fn name(&self) -> &str {
        self.latest().map_or("", |u| u.title.as_str())
    }

    pub fn latest(&self) -> Option<&ExternalUpdate> {
        self.updates.last()
    }

    pub fn status(&self) -> PublicStatus {
        self.latest()
            .map_or(PublicStatus::Investigating, |u| u.status)
    }

    pub fn is_open(&self) -> bool {
        self.status() != PublicStatus::Resolved
    }

    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.updates.first().map(|u| u.posted_at)
    }

    pub fn resolved_at(&self) -> Option<DateTime<Utc>> {
        (!self.is_open())
            .then(|| self.latest().map(|u| u.posted_at))
            .flatten()
    }
}
