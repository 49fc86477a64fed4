//! Custom fields an organisation configures (`[[fields]]`): a "revenue impact" number,
//! a "region" select, a "customer ticket" link. Their kinds, what a typed value must
//! look like, and the value as stored (by the field's key) and shown.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::keys::or_list;

/// The most fields an organisation may configure.
pub const MAX_FIELDS: usize = 20;
/// The most options of a select.
pub const MAX_OPTIONS: usize = 50;
/// The longest field key.
pub const MAX_FIELD_KEY: usize = 32;
/// The longest text, link or option value.
pub const MAX_VALUE: usize = 300;
/// The most fields the headline shows.
pub const MAX_HEADLINE: usize = 4;

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Number,
    Select,
    MultiSelect,
    User,
    Url,
    Date,
}

impl FieldKind {
    pub const ALL: [FieldKind; 7] = [
        FieldKind::Text,
        FieldKind::Number,
        FieldKind::Select,
        FieldKind::MultiSelect,
        FieldKind::User,
        FieldKind::Url,
        FieldKind::Date,
    ];

    pub fn key(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Select => "select",
            FieldKind::MultiSelect => "multi_select",
            FieldKind::User => "user",
            FieldKind::Url => "url",
            FieldKind::Date => "date",
        }
    }

    pub fn parse(s: &str) -> Option<FieldKind> {
        FieldKind::ALL.into_iter().find(|k| k.key() == s)
    }
}

/// When a field is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    Declare,
    Resolve,
    Any,
}

impl Ask {
    pub fn parse(s: &str) -> Option<Ask> {
        match s {
            "declare" => Some(Ask::Declare),
            "resolve" => Some(Ask::Resolve),
            "any" | "" => Some(Ask::Any),
            _ => None,
        }
    }
}

/// One configured field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub key: String,
    pub label: String,
    pub description: String,
    pub kind: FieldKind,
    /// A select's choices, lowercase keys as typed.
    pub options: Vec<String>,
    pub ask: Ask,
    /// The incident types that use it; empty: every incident.
    pub types: Vec<String>,
    /// Shown in the pinned headline.
    pub headline: bool,
}

/// Every configured field, in configured order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldBook {
    pub fields: Vec<Field>,
}

impl FieldBook {
    pub fn get(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// The fields an incident of type `kind` uses.
    pub fn of_type<'a>(&'a self, kind: Option<&'a str>) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields.iter().filter(move |f| {
            f.types.is_empty() || kind.is_some_and(|k| f.types.iter().any(|t| t == k))
        })
    }

    /// `region, revenue_impact or ticket`, for an answer naming the choices.
    pub fn keys(&self, kind: Option<&str>) -> String {
        let keys: Vec<&str> = self.of_type(kind).map(|f| f.key.as_str()).collect();
        or_list(&keys).unwrap_or_else(|| "none configured".into())
    }
}

/// True for a field key: a lowercase letter, then lowercase letters, digits, `-` and
/// `_`, at most [`MAX_FIELD_KEY`].
pub fn is_field_key(s: &str) -> bool {
    s.len() <= MAX_FIELD_KEY
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

impl Field {
    /// The stored form of a typed value, or why it is refused (naming the options).
    pub fn parse(&self, typed: &str) -> Result<String, String> {
        let v = typed.trim();
        if v.is_empty() {
            return Err(format!("Say the {} after its key.", self.label));
        }
        if v.chars().count() > MAX_VALUE * 4 || v.chars().any(char::is_control) {
            return Err(format!(
                "The {} must be one line of at most {MAX_VALUE} characters.",
                self.label
            ));
        }
        match self.kind {
            FieldKind::Text => {
                if v.chars().count() > MAX_VALUE {
                    return Err(format!(
                        "The {} is longer than {MAX_VALUE} characters.",
                        self.label
                    ));
                }
                Ok(v.to_string())
            }
            FieldKind::Number => number(v).ok_or_else(|| {
                format!(
                    "`{}` is not a number for {}: write it like 18000 or 18,000.50.",
                    shown(v),
                    self.label
                )
            }),
            FieldKind::Select => self.option(v),
            FieldKind::MultiSelect => {
                let mut chosen: Vec<String> = Vec::new();
                for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let o = self.option(part)?;
                    if !chosen.contains(&o) {
                        chosen.push(o);
                    }
                }
                Ok(chosen.join(","))
            }
            FieldKind::User => self.user(v),
            FieldKind::Url => self.url(v),
            FieldKind::Date => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
                .map(|d| d.to_string())
                .ok_or_else(|| {
                    format!(
                        "`{}` is not a date for {}: expected YYYY-MM-DD.",
                        shown(v),
                        self.label
                    )
                }),
        }
    }

    /// A person: `<@U123|name>`, `@U123` or `U123`.
    fn user(&self, v: &str) -> Result<String, String> {
        let id = v
            .trim_start_matches("<@")
            .trim_start_matches('@')
            .split(['|', '>'])
            .next()
            .unwrap_or_default();
        let ok = id.len() >= 3
            && id.len() <= 20
            && id.starts_with(['U', 'W'])
            && id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if ok {
            Ok(id.to_string())
        } else {
            Err(format!("Mention the person for {} (@name).", self.label))
        }
    }

    /// An http(s) link, as typed or as Slack sends it (`<https://…|label>`).
    fn url(&self, v: &str) -> Result<String, String> {
        let url = v.trim_start_matches('<').trim_end_matches('>');
        let url = url.split('|').next().unwrap_or_default();
        let ok = (url.starts_with("https://") || url.starts_with("http://"))
            && url.len() <= MAX_VALUE
            && url.len() > "https://".len()
            && !url.contains([' ', '<', '>', '"', '`']);
        if ok {
            Ok(url.to_string())
        } else {
            Err(format!(
                "`{}` is not a link for {}: expected https://…",
                shown(v),
                self.label
            ))
        }
    }

    /// One of a select's options, in any case.
    fn option(&self, v: &str) -> Result<String, String> {
        let lower = v.to_lowercase();
        self.options
            .iter()
            .find(|o| o.to_lowercase() == lower)
            .cloned()
            .ok_or_else(|| {
                let options: Vec<&str> = self.options.iter().map(String::as_str).collect();
                format!(
                    "Unknown {} `{}`: expected {}.",
                    self.key,
                    shown(v),
                    or_list(&options).unwrap_or_default()
                )
            })
    }

    /// A stored value as people read it, plain (callers escape it for where it goes).
    pub fn show(&self, stored: &str) -> String {
        match self.kind {
            FieldKind::MultiSelect => stored.split(',').collect::<Vec<_>>().join(", "),
            FieldKind::User => format!("@{stored}"),
            _ => stored.to_string(),
        }
    }

    /// A stored value as Slack mrkdwn: escaped, a person mentioned (their ID was
    /// checked when set).
    pub fn mrkdwn(&self, stored: &str) -> String {
        match self.kind {
            FieldKind::User => format!("<@{stored}>"),
            _ => super::text::escape(&self.show(stored)),
        }
    }
}

/// A number as typed (`18,000.50`, `-3`, `1e3` refused), in canonical form.
fn number(v: &str) -> Option<String> {
    let cleaned: String = v.chars().filter(|c| *c != ',' && *c != '_').collect();
    let ok = !cleaned.is_empty()
        && cleaned
            .trim_start_matches('-')
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
        && cleaned.matches('.').count() <= 1
        && cleaned
            .trim_start_matches('-')
            .starts_with(|c: char| c.is_ascii_digit());
    let n: f64 = cleaned.parse().ok().filter(|_| ok)?;
    (n.abs() < 1e15).then(|| format_number(n))
}

/// `18000`, `18000.5`: no trailing zeros.
pub fn format_number(n: f64) -> String {
    let s = format!("{n:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The first 30 characters of what was typed, for an answer.
fn shown(v: &str) -> String {
    v.chars().take(30).collect()
}

/// The input ID of a field in a form.
pub fn input_id(key: &str) -> String {
    format!("field:{key}")
}

/// The values a form sent for the fields asked at `ask` that an incident of type
/// `kind` uses, over `current`: an empty input leaves a field as it was. A field of
/// `required` still without a value, or a value the field refuses, is an error keyed
/// by its input.
pub fn from_form(
    book: &FieldBook,
    (kind, ask): (Option<&str>, Ask),
    required: &[String],
    sent: &BTreeMap<String, String>,
    current: &Values,
) -> Result<Values, Vec<(String, String)>> {
    let mut out = current.clone();
    let mut errors = Vec::new();
    for f in book.of_type(kind).filter(|f| f.ask == ask) {
        let id = input_id(&f.key);
        let typed = sent.get(&id).map(|v| v.trim()).unwrap_or_default();
        if !typed.is_empty() {
            match f.parse(typed) {
                Ok(v) => {
                    out.insert(f.key.clone(), v);
                }
                Err(e) => errors.push((id.clone(), e)),
            }
        }
        if required.contains(&f.key)
            && !out.contains_key(&f.key)
            && !errors.iter().any(|(i, _)| *i == id)
        {
            errors.push((id, format!("{} is required here.", f.label)));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The fields of `required` asked at `ask` that `values` lacks, for an answer.
pub fn missing<'a>(
    book: &'a FieldBook,
    (kind, ask): (Option<&'a str>, Ask),
    required: &'a [String],
    values: &'a Values,
) -> Vec<&'a Field> {
    book.of_type(kind)
        .filter(|f| f.ask == ask && required.contains(&f.key) && !values.contains_key(&f.key))
        .collect()
}

/// Field values as stored on an incident: key → value.
pub type Values = BTreeMap<String, String>;

/// The stored JSON of `values`.
pub fn to_json(values: &Values) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "{}".into())
}

/// Values from their stored JSON (an unreadable one reads as none).
pub fn from_json(s: &str) -> Values {
    serde_json::from_str(s).unwrap_or_default()
}

/// A field asked anywhere, for all types, for unit tests.
#[cfg(test)]
pub(crate) fn sample(key: &str, label: &str, kind: FieldKind, options: &[&str]) -> Field {
    Field {
        key: key.into(),
        label: label.into(),
        description: String::new(),
        kind,
        options: options.iter().map(|o| o.to_string()).collect(),
        ask: Ask::Any,
        types: vec![],
        headline: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(kind: FieldKind, options: &[&str]) -> Field {
        sample("region", "Region", kind, options)
    }

    #[test]
    fn selects_name_their_options() {
        let f = field(FieldKind::Select, &["eu", "us", "apac"]);
        assert_eq!(f.parse("EU"), Ok("eu".into()));
        assert_eq!(
            f.parse("mars"),
            Err("Unknown region `mars`: expected eu, us or apac.".into())
        );
        let m = field(FieldKind::MultiSelect, &["eu", "us", "apac"]);
        assert_eq!(m.parse("us, eu,us"), Ok("us,eu".into()));
        assert_eq!(m.show("us,eu"), "us, eu");
        assert!(m.parse("eu, mars").is_err());
    }

    #[test]
    fn numbers_links_people_and_dates() {
        let n = field(FieldKind::Number, &[]);
        assert_eq!(n.parse("18,000"), Ok("18000".into()));
        assert_eq!(n.parse("12.50"), Ok("12.5".into()));
        assert_eq!(n.parse("-3"), Ok("-3".into()));
        for bad in ["12k", "1e3", "$5", ".", "1.2.3", "99999999999999999999"] {
            assert!(n.parse(bad).is_err(), "{bad}");
        }
        let u = field(FieldKind::Url, &[]);
        assert_eq!(
            u.parse("<https://jira.example.com/X-1>"),
            Ok("https://jira.example.com/X-1".into())
        );
        assert!(u.parse("javascript:alert(1)").is_err());
        let p = field(FieldKind::User, &[]);
        assert_eq!(p.parse("<@U012AB|ann>"), Ok("U012AB".into()));
        assert!(p.parse("<!channel>").is_err());
        let d = field(FieldKind::Date, &[]);
        assert_eq!(d.parse("2026-12-07"), Ok("2026-12-07".into()));
        assert!(d.parse("1900-01-01").is_err() && d.parse("tomorrow").is_err());
        let t = field(FieldKind::Text, &[]);
        assert!(t.parse(&"x".repeat(301)).is_err() && t.parse("").is_err());
        assert!(t.parse("a\u{7}b").is_err());
    }

    #[test]
    fn forms_send_values_checked_and_required_ones_asked() {
        let mut revenue = field(FieldKind::Number, &[]);
        revenue.key = "revenue".into();
        revenue.label = "Revenue".into();
        revenue.ask = Ask::Resolve;
        let book = FieldBook {
            fields: vec![field(FieldKind::Select, &["eu", "us"]), revenue],
        };
        let sent: BTreeMap<String, String> = [
            ("field:region".to_string(), "US".to_string()),
            ("field:revenue".to_string(), "lots".to_string()),
        ]
        .into();
        let at_declare = from_form(&book, (None, Ask::Any), &[], &sent, &Values::new()).unwrap();
        assert_eq!(at_declare.get("region").map(String::as_str), Some("us"));
        let errors = from_form(
            &book,
            (None, Ask::Resolve),
            &["revenue".into()],
            &sent,
            &Values::new(),
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].0 == "field:revenue" && errors[0].1.contains("not a number"));
        let empty = BTreeMap::new();
        let errors = from_form(
            &book,
            (None, Ask::Resolve),
            &["revenue".into()],
            &empty,
            &Values::new(),
        )
        .unwrap_err();
        assert_eq!(errors[0].1, "Revenue is required here.");
        let had: Values = [("revenue".to_string(), "5".to_string())].into();
        assert!(
            from_form(
                &book,
                (None, Ask::Resolve),
                &["revenue".into()],
                &empty,
                &had
            )
            .is_ok()
        );
        assert_eq!(
            missing(
                &book,
                (None, Ask::Resolve),
                &["revenue".into()],
                &Values::new()
            )
            .len(),
            1
        );
    }

    #[test]
    fn fields_belong_to_types() {
        let mut sec = field(FieldKind::Text, &[]);
        sec.key = "cve".into();
        sec.types = vec!["security".into()];
        let book = FieldBook {
            fields: vec![field(FieldKind::Select, &["eu"]), sec],
        };
        assert_eq!(book.keys(None), "region");
        assert_eq!(book.keys(Some("security")), "region or cve");
        assert!(is_field_key("revenue_impact") && !is_field_key("Revenue"));
    }
}
