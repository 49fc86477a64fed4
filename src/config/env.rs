//! The environment's layer: `WARROOM_<SECTION>__<KEY>` variables, `DATABASE_URL`, and
//! the refusal of names that look like settings but would be ignored.

use figment::Figment;
use figment::providers::Env;

use super::ConfigError;

/// Puts the environment on top of `fig`: `DATABASE_URL` (unless
/// `WARROOM_DATABASE__URL` is set), then every `WARROOM_*` variable.
pub(super) fn merge(mut fig: Figment) -> Result<Figment, ConfigError> {
    // DATABASE_URL is the convention many tools share; WARROOM_DATABASE__URL wins.
    if let Ok(url) = std::env::var("DATABASE_URL")
        && std::env::var("WARROOM_DATABASE__URL").is_err()
        && !url.trim().is_empty()
    {
        fig = fig.merge(("database.url", url));
    }
    check_env_names(std::env::vars().map(|(k, _)| k))?;
    Ok(fig.merge(Env::prefixed("WARROOM_").split("__")))
}

/// Every setting lives in a section, so `WARROOM_SLACK_BOT_TOKEN` (one underscore) is a
/// typo that would otherwise be ignored: refuse it, naming the variable. Kubernetes'
/// service links for a Service named `warroom` (`WARROOM_PORT...`,
/// `WARROOM_SERVICE_...`) are someone else's and pass.
pub(super) fn check_env_names(names: impl Iterator<Item = String>) -> Result<(), ConfigError> {
    for name in names {
        if let Some(rest) = name.strip_prefix("WARROOM_")
            && !rest.contains("__")
            && rest != "PORT"
            && !rest.starts_with("PORT_")
            && !rest.starts_with("SERVICE_")
        {
            let guess = rest
                .split_once('_')
                .map(|(a, b)| format!("WARROOM_{a}__{b}"))
                .unwrap_or_default();
            return Err(ConfigError::Invalid {
                key: name.clone(),
                problem: format!(
                    "environment variables name settings as WARROOM_<SECTION>__<KEY> (two underscores){}",
                    if guess.is_empty() {
                        String::new()
                    } else {
                        format!(", e.g. {guess}")
                    }
                ),
            });
        }
    }
    Ok(())
}
