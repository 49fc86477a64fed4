//! `tag add <tags>` and `tag remove <tags>`: the incident's labels (see
//! [`crate::domain::tags`]).

use super::words::split_word;
use super::{Command, CommandError};
use crate::domain::tags::parse_list;

pub(super) fn parse_tag(rest: &str) -> Result<Command, CommandError> {
    let (verb, list) = split_word(rest);
    let add = match verb.to_ascii_lowercase().as_str() {
        "add" | "+" => true,
        "remove" | "rm" | "delete" | "-" => false,
        "" => {
            return Err(CommandError::new(
                "Say `add` or `remove`, then the tags.",
                "tag",
            ));
        }
        other => {
            return Err(CommandError::new(
                format!("`{other}`: expected `add` or `remove`, then the tags."),
                "tag",
            ));
        }
    };
    let tags = parse_list(list).map_err(|e| CommandError::new(e.to_string(), "tag"))?;
    Ok(Command::Tag { add, tags })
}

#[cfg(test)]
mod tests {
    use super::super::{Command, parse};
    use crate::domain::tags::MAX_TAGS;

    fn tags(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn add_and_remove() {
        assert_eq!(
            parse("tag add DB,eu", crate::domain::severity::seed())
                .unwrap()
                .command,
            Command::Tag {
                add: true,
                tags: tags(&["db", "eu"])
            }
        );
        assert_eq!(
            parse("tags remove #eu", crate::domain::severity::seed())
                .unwrap()
                .command,
            Command::Tag {
                add: false,
                tags: tags(&["eu"])
            }
        );
        let p = parse("tag INC-4 add db", crate::domain::severity::seed()).unwrap();
        assert_eq!(p.incident.map(|i| i.0), Some(4));
    }

    #[test]
    fn errors_say_what_and_show_the_usage() {
        for (typed, says) in [
            ("tag", "Say `add` or `remove`"),
            ("tag db", "`db`: expected `add` or `remove`"),
            ("tag add", "Name at least one tag."),
            ("tag add <!here>", "is not a tag"),
        ] {
            let e = parse(typed, crate::domain::severity::seed()).unwrap_err();
            assert!(e.message.contains(says), "{typed}: {}", e.message);
            let shown = e.render("/incident");
            assert!(shown.contains("Usage: `/incident tag add"), "{shown}");
        }
        let many: Vec<String> = (0..=MAX_TAGS).map(|i| format!("t{i}")).collect();
        let e = parse(
            &format!("tag add {}", many.join(",")),
            crate::domain::severity::seed(),
        )
        .unwrap_err();
        assert!(e.message.contains("at most 10 tags"), "{}", e.message);
    }
}
