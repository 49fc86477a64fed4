//! The postmortem as a template over the record: the shipped one
//! (`config/postmortem.md`, the seed's layout) or a team's own file named by
//! `postmortem.template`. A team's file is checked when warroom starts: a syntax error
//! or a name the record does not have stops the start with the file, the line and the
//! name, so a typo is never found by an empty section in a published postmortem.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use super::markdown::view::View;

/// The shipped template.
pub const SHIPPED: &str = include_str!("../../config/postmortem.md");

/// Names a template may use besides the record's: minijinja's global functions.
const GLOBALS: [&str; 4] = ["range", "dict", "namespace", "debug"];

/// The largest template file read (a postmortem layout is a few kilobytes).
const MAX_BYTES: u64 = 256 * 1024;

/// Why a template cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("postmortem template {file}{}: {problem}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
pub struct TemplateError {
    pub file: String,
    pub line: Option<usize>,
    pub problem: String,
}

/// A loaded, checked template.
pub struct Template {
    env: Environment<'static>,
    file: String,
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template")
            .field("file", &self.file)
            .finish()
    }
}

impl Template {
    /// The shipped template, parsed once per process.
    pub fn shipped() -> Arc<Template> {
        static SHIPPED_TEMPLATE: OnceLock<Arc<Template>> = OnceLock::new();
        SHIPPED_TEMPLATE
            .get_or_init(|| {
                // The shipped text is checked by the tests; it cannot fail here.
                Arc::new(
                    Template::from_source("(shipped)", SHIPPED.to_string())
                        .unwrap_or_else(|e| panic!("the shipped postmortem template: {e}")),
                )
            })
            .clone()
    }

    /// The template in `path`, checked.
    pub fn load(path: &Path) -> Result<Template, TemplateError> {
        let file = path.display().to_string();
        let problem = |problem: String| TemplateError {
            file: file.clone(),
            line: None,
            problem,
        };
        let size = std::fs::metadata(path)
            .map_err(|e| problem(e.to_string()))?
            .len();
        if size > MAX_BYTES {
            return Err(problem(format!(
                "{size} bytes is too large: at most {MAX_BYTES}"
            )));
        }
        let source = std::fs::read_to_string(path).map_err(|e| problem(e.to_string()))?;
        Template::from_source(&file, source)
    }

    /// A template from its text, checked: its syntax, the names it uses, and a render
    /// of a full and of a sparse record.
    pub fn from_source(file: &str, source: String) -> Result<Template, TemplateError> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(true);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.add_filter("cell", |s: String| super::markdown::cell(&s));
        env.add_template_owned(file.to_string(), source.clone())
            .map_err(|e| error(file, &e))?;
        let t = Template {
            env,
            file: file.to_string(),
        };
        t.check_names(&source)?;
        for sample in [View::sample(true), View::sample(false)] {
            t.render(&sample)?;
        }
        Ok(t)
    }

    /// The file it came from (`(shipped)` for the shipped one).
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The draft for `view`.
    pub fn render(&self, view: &View) -> Result<String, TemplateError> {
        let t = self
            .env
            .get_template(&self.file)
            .map_err(|e| error(&self.file, &e))?;
        t.render(view).map_err(|e| error(&self.file, &e))
    }

    /// Every name the template reads from the record must be one the record has.
    fn check_names(&self, source: &str) -> Result<(), TemplateError> {
        let t = self
            .env
            .get_template(&self.file)
            .map_err(|e| error(&self.file, &e))?;
        let known = serde_json::to_value(View::sample(true)).unwrap_or_default();
        let used: BTreeSet<String> = t.undeclared_variables(true).into_iter().collect();
        for name in used {
            if GLOBALS.contains(&name.as_str()) {
                continue;
            }
            if let Some(unknown) = unknown_part(&known, &name) {
                return Err(TemplateError {
                    file: self.file.clone(),
                    line: line_of(source, &unknown),
                    problem: format!("unknown name `{unknown}`"),
                });
            }
        }
        Ok(())
    }
}

/// The dotted name cut at its first part the record lacks, or None when it has it all.
fn unknown_part(known: &serde_json::Value, name: &str) -> Option<String> {
    let mut at = known;
    let mut path = Vec::new();
    for part in name.split('.') {
        path.push(part);
        match at {
            serde_json::Value::Object(map) => match map.get(part) {
                Some(next) => at = next,
                None => return Some(path.join(".")),
            },
            // Below a list or a text the template calls methods or filters.
            _ => return None,
        }
    }
    None
}

/// The first line of `source` where `name` is written.
fn line_of(source: &str, name: &str) -> Option<usize> {
    source.lines().position(|l| l.contains(name)).map(|i| i + 1)
}

/// A minijinja error as the file, its line and what is wrong (for an undefined value
/// inside a loop, the expression written there).
fn error(file: &str, e: &minijinja::Error) -> TemplateError {
    let mut problem = e
        .detail()
        .map(str::to_string)
        .unwrap_or_else(|| e.kind().to_string());
    if e.kind() == minijinja::ErrorKind::UndefinedError
        && let (Some(src), Some(range)) = (e.template_source(), e.range())
        && let Some(expr) = src.get(range)
    {
        problem = format!("unknown name `{}`", expr.trim());
    }
    TemplateError {
        file: file.to_string(),
        line: e.line(),
        problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_template_is_checked_clean() {
        assert_eq!(Template::shipped().file(), "(shipped)");
    }

    #[test]
    fn an_unknown_name_is_named_with_its_line() {
        let e = Template::from_source(
            "pm.md",
            "# {{ incident.title }}\n\n{{ incident.owner }}\n".into(),
        )
        .unwrap_err();
        assert_eq!(e.line, Some(3));
        assert_eq!(e.problem, "unknown name `incident.owner`");
        assert_eq!(
            e.to_string(),
            "postmortem template pm.md, line 3: unknown name `incident.owner`"
        );
        let e = Template::from_source("pm.md", "a\n{{ summary }}".into()).unwrap_err();
        assert_eq!(
            (e.line, e.problem.as_str()),
            (Some(2), "unknown name `summary`")
        );
    }

    #[test]
    fn a_loop_variable_s_unknown_attribute_is_named() {
        let e = Template::from_source(
            "pm.md",
            "{% for e in timeline %}\n- {{ e.txt }}\n{% endfor %}\n".into(),
        )
        .unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.problem.contains("e.txt"), "{e}");
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let e = Template::from_source("pm.md", "ok\n{% if x %}\nno end\n".into()).unwrap_err();
        assert!(e.line.is_some(), "{e}");
        assert!(
            e.to_string().starts_with("postmortem template pm.md, line"),
            "{e}"
        );
    }

    #[test]
    fn a_team_template_reads_the_record() {
        let t = Template::from_source(
            "pm.md",
            "{{ incident.key }} {{ incident.severity }}{% for a in actions %} {{ a.text | cell }}{% endfor %}.\n"
                .into(),
        )
        .expect("a good template");
        let out = t.render(&View::sample(true)).expect("renders");
        assert_eq!(out, "INC-42 SEV2 Add a \\| check.\n");
    }
}
