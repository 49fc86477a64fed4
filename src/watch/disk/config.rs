//! The disk watcher's settings (`[watch.disk]` and `[watch.disk.prometheus]`): what
//! types cannot check, and the limits that apply to one mount point.

use chrono::Duration;
use serde::Deserialize;

use super::estimate::Limits;
use crate::domain::duration::Dur;
use crate::watch::prometheus::PromAccess;

/// `[watch.disk]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiskConfig {
    pub schedule: String,
    pub channel: String,
    pub mention: Vec<String>,
    pub local: bool,
    pub mounts: Vec<String>,
    pub exclude_mounts: Vec<String>,
    pub exclude_types: Vec<String>,
    pub include_readonly: bool,
    pub warning_percent: f64,
    pub critical_percent: f64,
    pub clear_percent: f64,
    pub fill_warning: Dur,
    pub fill_critical: Dur,
    pub sample_window: Dur,
    pub overrides: Vec<MountOverride>,
    pub top_paths: Vec<String>,
    pub top_entries: usize,
    pub runbook: String,
    pub prometheus: PromDisk,
}

/// Other percentages for one mount point.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MountOverride {
    pub mount: String,
    #[serde(default)]
    pub warning_percent: Option<f64>,
    #[serde(default)]
    pub critical_percent: Option<f64>,
    #[serde(default)]
    pub clear_percent: Option<f64>,
}

/// `[watch.disk.prometheus]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromDisk {
    #[serde(flatten)]
    pub access: PromAccess,
    pub avail: String,
    pub size: String,
    pub files_free: String,
    pub files: String,
    pub readonly: String,
}

impl DiskConfig {
    pub fn is_empty(&self) -> bool {
        !self.local && self.prometheus.access.url.is_empty()
    }

    pub fn validate(&self, prefix: &str) -> Result<(), (String, String)> {
        let pct = |k: &str, v: f64| {
            if (0.0..=100.0).contains(&v) {
                Ok(())
            } else {
                Err((
                    format!("{prefix}.{k}"),
                    format!("{v}: expected a percentage 0-100"),
                ))
            }
        };
        pct("warning_percent", self.warning_percent)?;
        pct("critical_percent", self.critical_percent)?;
        pct("clear_percent", self.clear_percent)?;
        if self.critical_percent < self.warning_percent || self.clear_percent > self.warning_percent
        {
            return Err((
                format!("{prefix}.clear_percent"),
                "expected clear_percent <= warning_percent <= critical_percent".into(),
            ));
        }
        crate::domain::schedule::Schedule::parse(&self.schedule)
            .map_err(|e| (format!("{prefix}.schedule"), e.to_string()))?;
        let url = &self.prometheus.access.url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err((
                format!("{prefix}.prometheus.url"),
                format!("`{url}`: expected http(s)://host:port"),
            ));
        }
        for (i, o) in self.overrides.iter().enumerate() {
            for (k, v) in [
                ("warning_percent", o.warning_percent),
                ("critical_percent", o.critical_percent),
                ("clear_percent", o.clear_percent),
            ] {
                if let Some(v) = v {
                    pct(&format!("overrides[{i}].{k}"), v)?;
                }
            }
        }
        Ok(())
    }

    /// The limits for a mount point.
    pub fn limits(&self, mount: &str) -> Limits {
        let d = |x: &Dur| Duration::from_std(x.0).unwrap_or(Duration::hours(24));
        let mut l = Limits {
            warning: self.warning_percent,
            critical: self.critical_percent,
            clear: self.clear_percent,
            fill_warning: d(&self.fill_warning),
            fill_critical: d(&self.fill_critical),
        };
        if let Some(o) = self.overrides.iter().find(|o| o.mount == mount) {
            l.warning = o.warning_percent.unwrap_or(l.warning);
            l.critical = o.critical_percent.unwrap_or(l.critical);
            l.clear = o.clear_percent.unwrap_or(l.clear.min(l.warning));
        }
        l
    }
}
