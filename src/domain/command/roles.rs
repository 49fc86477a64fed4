//! `role`: assigning a role to a mentioned user, or removing one (`role remove …`).

use super::words::{capitalise, split_word};
use super::{Command, CommandError};
use crate::domain::ids::UserRef;
use crate::domain::role::Role;

pub(super) fn parse_role(rest: &str) -> Result<Command, CommandError> {
    let (word, after) = split_word(rest);
    if word.is_empty() {
        return Err(CommandError::new("The role is missing.", "role"));
    }
    let remove = matches!(
        word.to_ascii_lowercase().as_str(),
        "remove" | "rm" | "clear" | "unassign"
    );
    let (role_word, after) = if remove {
        split_word(after)
    } else {
        (word, after)
    };
    if role_word.is_empty() {
        return Err(CommandError::new("The role to remove is missing.", "role"));
    }
    let role = Role::parse(role_word)
        .map_err(|e| CommandError::new(format!("{}.", capitalise(&e.to_string())), "role"))?;
    let (user_word, extra) = split_word(after);
    if !extra.is_empty() {
        return Err(CommandError::new(
            format!("One user per command, please: unexpected `{extra}`."),
            "role",
        ));
    }
    let user = if user_word.is_empty() {
        None
    } else {
        Some(UserRef::parse(user_word).ok_or_else(|| {
            CommandError::new(
                format!("`{user_word}` is not a user: mention them with @."),
                "role",
            )
        })?)
    };
    if remove {
        if role == Role::Commander {
            return Err(CommandError::new(
                "An incident always has a commander: assign a new one with `role ic @user` instead.",
                "role",
            ));
        }
        if role == Role::Expert && user.is_none() {
            return Err(CommandError::new(
                "Say which SME to remove: `role remove sme @user`.",
                "role",
            ));
        }
        return Ok(Command::RemoveRole { role, user });
    }
    match user {
        Some(user) => Ok(Command::AssignRole { role, user }),
        None => Err(CommandError::new(
            format!(
                "Say who takes the {} role: mention them with @.",
                role.short()
            ),
            "role",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Command;
    use super::super::tests::{err, ok};
    use crate::domain::ids::UserRef;
    use crate::domain::role::Role;

    #[test]
    fn roles() {
        assert_eq!(
            ok("role ic <@U1|alice>"),
            Command::AssignRole {
                role: Role::Commander,
                user: UserRef::Id("U1".into())
            }
        );
        assert_eq!(
            ok("role sme @bob"),
            Command::AssignRole {
                role: Role::Expert,
                user: UserRef::Name("bob".into())
            }
        );
        assert_eq!(
            ok("role remove ops"),
            Command::RemoveRole {
                role: Role::Operations,
                user: None
            }
        );
        assert_eq!(
            ok("role remove sme @bob"),
            Command::RemoveRole {
                role: Role::Expert,
                user: Some(UserRef::Name("bob".into()))
            }
        );
        assert_eq!(ok("roles"), Command::Roles);
        assert!(err("role").message.contains("missing"));
        assert!(err("role ic").message.contains("mention them with @"));
        assert!(err("role ic alice").message.contains("not a user"));
        // Another key is a configured role's, for the application to look up.
        assert!(matches!(
            ok("role scribe @a"),
            Command::AssignRole {
                role: Role::Custom(_),
                ..
            }
        ));
        let e = err("role <!here> @a").message;
        assert!(e.contains("unknown role"), "{e}");
        assert!(err("role 9lives @a").message.contains("unknown role"));
        assert!(err("role ic @a @b").message.contains("one user"));
        assert!(
            err("role remove ic")
                .message
                .contains("always has a commander")
        );
        assert!(err("role remove sme").message.contains("which sme"));
        assert!(err("roles extra").message.contains("takes no arguments"));
    }
}
