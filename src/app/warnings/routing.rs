//! Where a watcher's warnings go and whom they mention, from its settings; an
//! alert's, from the first `[[alerts.routes]]` its labels match.

use crate::app::Warnings;
use crate::domain::finding::Finding;

impl Warnings<'_> {
    /// Where this finding's warning goes.
    pub(crate) fn warning_channel(&self, f: &Finding) -> String {
        if f.watcher == crate::alerts::finding::WATCHER {
            return self.alert_destination(f).channel;
        }
        self.watch_channel(&f.watcher)
    }

    /// Who this finding's warning mentions.
    pub(crate) fn warning_mentions(&self, f: &Finding) -> Vec<String> {
        if f.watcher == crate::alerts::finding::WATCHER {
            return self.alert_destination(f).mention;
        }
        self.watch_mentions(&f.watcher)
    }

    /// Where a watcher's warnings go.
    pub(crate) fn watch_channel(&self, watcher: &str) -> String {
        let own = match watcher {
            "certs" => &self.cfg.watch.certs.channel,
            "disk" => &self.cfg.watch.disk.channel,
            "budgets" => &self.cfg.watch.budgets.channel,
            _ => "",
        };
        if own.is_empty() {
            self.cfg.slack.announcements_channel.clone()
        } else {
            own.to_string()
        }
    }

    /// Who a watcher's warnings mention.
    pub(crate) fn watch_mentions(&self, watcher: &str) -> Vec<String> {
        match watcher {
            "certs" => self.cfg.watch.certs.mention.clone(),
            "disk" => self.cfg.watch.disk.mention.clone(),
            "budgets" => self.cfg.watch.budgets.mention.clone(),
            _ => vec![],
        }
    }
}
