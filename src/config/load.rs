//! Reading the layers: the compiled-in defaults, an optional file, the environment
//! (or TOML text, for tests), extracted into [`Config`] and then validated. Figment's
//! errors become one line per problem, naming the key and the source.

use std::path::Path;

use figment::Figment;
use figment::error::Kind;
use figment::providers::{Format, Toml};

use super::{Config, ConfigError, DEFAULT_TOML, env, invalid};

impl Config {
    /// Defaults, then `file`, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut fig = Figment::new().merge(Toml::string(DEFAULT_TOML));
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::File {
                path: path.display().to_string(),
                source,
            })?;
            fig = fig.merge(Toml::string(&text));
        }
        Config::from_figment(env::merge(fig)?)
    }

    /// The defaults with `overrides` (TOML text) on top, ignoring the environment:
    /// what tests use.
    pub fn from_toml(overrides: &str) -> Result<Config, ConfigError> {
        Config::from_toml_layers(&[overrides])
    }

    /// The defaults with several TOML layers on top, later ones winning.
    pub fn from_toml_layers(layers: &[&str]) -> Result<Config, ConfigError> {
        let mut fig = Figment::new().merge(Toml::string(DEFAULT_TOML));
        for l in layers {
            fig = fig.merge(Toml::string(l));
        }
        Config::from_figment(fig)
    }

    fn from_figment(fig: Figment) -> Result<Config, ConfigError> {
        let cfg: Config = fig.extract().map_err(extract_error)?;
        cfg.validate()?;
        Ok(cfg)
    }
}

/// Lists of tables whose values are typed at load but reported as the validator
/// reports a bad value in a list: `auto_declare[0].severity`.
const TYPED_LISTS: [&str; 1] = ["auto_declare"];

/// What the configuration error says for figment's errors.
fn extract_error(e: figment::Error) -> ConfigError {
    if e.count() == 1
        && let Some(typed) = typed_list_error(&e)
    {
        return typed;
    }
    // One line per problem; figment names the key and the source.
    ConfigError::Parse(
        e.into_iter()
            .map(problem_line)
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// One problem as `key: what (from source)`.
fn problem_line(e: figment::Error) -> String {
    // The key as the file spells it (`http.listen`), whichever source set it (an
    // environment variable's is upper case).
    let key = e.path.join(".").to_ascii_lowercase();
    let from = e
        .metadata
        .as_ref()
        .map(|m| format!(" (from {})", m.name))
        .unwrap_or_default();
    if key.is_empty() {
        e.to_string()
    } else {
        format!("{key}: {}{from}", e.kind)
    }
}

/// A value of a `[[list]]` entry that its parser refused (`auto_declare.0.severity`),
/// as an invalid key (`auto_declare[0].severity`).
fn typed_list_error(e: &figment::Error) -> Option<ConfigError> {
    let Kind::Message(problem) = &e.kind else {
        return None;
    };
    match e.path.as_slice() {
        [list, i, field]
            if TYPED_LISTS.contains(&list.to_ascii_lowercase().as_str())
                && i.parse::<usize>().is_ok() =>
        {
            Some(invalid(
                &format!(
                    "{}[{i}].{}",
                    list.to_ascii_lowercase(),
                    field.to_ascii_lowercase()
                ),
                problem.clone(),
            ))
        }
        _ => None,
    }
}
