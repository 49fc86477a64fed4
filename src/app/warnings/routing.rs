//! Where a watcher's warnings go and whom they mention, from its settings.

use crate::app::App;

impl App {
    /// Where a watcher's warnings go.
    pub fn watch_channel(&self, watcher: &str) -> String {
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
    pub fn watch_mentions(&self, watcher: &str) -> Vec<String> {
        match watcher {
            "certs" => self.cfg.watch.certs.mention.clone(),
            "disk" => self.cfg.watch.disk.mention.clone(),
            "budgets" => self.cfg.watch.budgets.mention.clone(),
            _ => vec![],
        }
    }
}
