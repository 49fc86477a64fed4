//! A warning storm's rollup message: one message per channel and storm that lists
//! the warnings it holds (what, how bad, acknowledged or recovered), with an
//! Acknowledge button per listed warning still firing, within Slack's limits on a
//! message (50 blocks, 3,000 characters a section, 25 buttons an actions block) and
//! the adapter's total for a message's text. What does not fit is counted: "…and N
//! more".

use chrono::{DateTime, Utc};

use crate::app::entry::controls::Action;
use crate::app::messages;
use crate::chat::{Block, Button, Message};
use crate::domain::ids::mention;
use crate::domain::incident::truncate_chars;
use crate::domain::text::sanitize;
use crate::store::warnings::Warning;

/// The most warnings a rollup lists by name; the rest are counted.
pub(crate) const MAX_LISTED: usize = 200;
/// How much of a warning's summary its line shows.
const SUMMARY_CHARS: usize = 80;
/// Slack's limits: blocks in a message, characters in a section, buttons in an
/// actions block.
const MAX_BLOCKS: usize = 50;
const SECTION_CHARS: usize = 3000;
const BUTTONS_PER_BLOCK: usize = 25;
/// All sections of a message together: what the Slack adapter lets through before it
/// cuts (`slack::blocks::MAX_TOTAL`, 12,000), less a margin.
const TOTAL_CHARS: usize = 11_500;
/// The most contacts the rollup mentions.
const MAX_MENTIONS: usize = 10;

/// What a rollup shows: its warnings so far (the first [`MAX_LISTED`]), how many
/// there are in all, since when, and whether the storm has passed.
pub(crate) struct RollupView<'a> {
    pub listed: &'a [Warning],
    pub total: usize,
    pub since: DateTime<Utc>,
    pub open: bool,
    pub mentions: &'a [String],
}

/// The rollup message.
pub(crate) fn render_rollup(v: &RollupView<'_>, tz: chrono_tz::Tz) -> Message {
    let head = head(v, tz);
    let mut blocks = vec![Block::Section {
        text: head.clone(),
        fields: vec![],
    }];
    let mut shown = 0;
    let budget = TOTAL_CHARS.saturating_sub(head.chars().count() + 1);
    for chunk in chunks(v.listed, budget) {
        let lines: Vec<String> = chunk.iter().map(|(n, w)| line(*n, w)).collect();
        blocks.push(Block::Section {
            text: lines.join("\n"),
            fields: vec![],
        });
        let buttons: Vec<Button> = chunk
            .iter()
            .filter(|(_, w)| w.level.is_bad() && w.acked_by.is_none())
            .map(|(n, w)| {
                Button::new(
                    &Action::WarningAck.numbered(*n),
                    &format!("Ack {n}"),
                    w.key.clone(),
                )
            })
            .collect();
        if !buttons.is_empty() {
            blocks.push(Block::Actions { buttons });
        }
        shown += chunk.len();
    }
    let more = v.total.saturating_sub(shown);
    if more > 0 {
        blocks.push(Block::Context {
            items: vec![format!(
                "…and {more} more, each with its own message once the storm has passed."
            )],
        });
    }
    Message { text: head, blocks }
}

/// What the storm is, and what happens next.
fn head(v: &RollupView<'_>, tz: chrono_tz::Tz) -> String {
    if !v.open {
        return format!(
            ":white_check_mark: *The storm has passed: {} warnings* (from {}), each \
             followed by a message of its own.",
            v.total,
            messages::datetime(v.since, tz)
        );
    }
    let mentions = &v.mentions[..v.mentions.len().min(MAX_MENTIONS)];
    let who = if mentions.is_empty() {
        String::new()
    } else {
        format!("{} ", messages::contact_mentions(mentions))
    };
    format!(
        "{who}:rotating_light: *{} warnings at once* (since {}): listed here as they \
         come, each with its own message once the storm has passed.",
        v.total,
        messages::datetime(v.since, tz)
    )
}

/// The listed warnings, numbered from 1, in groups that each fit one section and one
/// actions block; as many as fit in `budget` characters and Slack's 50 blocks (with
/// the head and the closing count).
fn chunks(listed: &[Warning], budget: usize) -> Vec<Vec<(usize, &Warning)>> {
    let mut out: Vec<Vec<(usize, &Warning)>> = Vec::new();
    let (mut chars, mut total) = (0, 0);
    for (i, w) in listed.iter().take(MAX_LISTED).enumerate() {
        let len = line(i + 1, w).chars().count() + 1;
        if total + len > budget {
            break;
        }
        // The head, two blocks a group, and the closing count.
        let blocks_with_another = 1 + 2 * (out.len() + 1) + 1;
        let room = blocks_with_another <= MAX_BLOCKS;
        match out.last_mut() {
            Some(c) if c.len() < BUTTONS_PER_BLOCK && chars + len <= SECTION_CHARS => {
                c.push((i + 1, w));
                chars += len;
            }
            _ if !room => break,
            _ => {
                out.push(vec![(i + 1, w)]);
                chars = len;
            }
        }
        total += len;
    }
    out
}

/// One warning: its number, how bad, what (quoted, never acted on), and its state.
fn line(n: usize, w: &Warning) -> String {
    let f = &w.finding;
    let emoji = if f.level.is_bad() {
        f.level.emoji()
    } else {
        crate::domain::finding::Level::Ok.emoji()
    };
    let mut s = format!(
        "`{n}` {emoji} {}",
        sanitize(&truncate_chars(&f.summary, SUMMARY_CHARS))
    );
    if !f.level.is_bad() {
        s.push_str(" · recovered");
    } else if let Some(by) = &w.acked_by {
        s.push_str(&format!(" · :ok_hand: {}", acked_by(by)));
    }
    if let Some(id) = w.incident {
        s.push_str(&format!(" · *{id}*"));
    }
    s
}

/// Who acknowledged: a Slack user is mentioned; anything else (an alert's sender) is
/// quoted.
fn acked_by(by: &str) -> String {
    let user = by.len() > 1
        && by.starts_with(['U', 'W'])
        && by
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if user { mention(by) } else { sanitize(by) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::finding::{Finding, Level};
    use chrono::TimeZone;

    fn warning(i: usize, summary: &str) -> Warning {
        let f = Finding::new(
            "alerts",
            format!("am:{i}"),
            format!("group {i}"),
            Level::Critical,
            summary.into(),
        );
        let t = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        Warning::first(&f, t)
    }

    fn view(listed: &[Warning], total: usize) -> Message {
        render_rollup(
            &RollupView {
                listed,
                total,
                since: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
                open: true,
                mentions: &["UONCALL".into()],
            },
            chrono_tz::Tz::UTC,
        )
    }

    fn buttons(m: &Message) -> Vec<Button> {
        m.blocks
            .iter()
            .flat_map(|b| match b {
                Block::Actions { buttons } => buttons.clone(),
                _ => vec![],
            })
            .collect()
    }

    /// Slack's limits on a message, as the rollup must keep them.
    fn within_limits(m: &Message) {
        assert!(m.blocks.len() <= MAX_BLOCKS, "{} blocks", m.blocks.len());
        let mut total = 0;
        for b in &m.blocks {
            if let Block::Section { text, .. } = b {
                total += text.chars().count();
            }
            match b {
                Block::Section { text, .. } => assert!(text.chars().count() <= SECTION_CHARS),
                Block::Actions { buttons } => {
                    assert!(!buttons.is_empty() && buttons.len() <= BUTTONS_PER_BLOCK);
                    let mut ids: Vec<_> = buttons.iter().map(|b| &b.action_id).collect();
                    ids.sort();
                    ids.dedup();
                    assert_eq!(ids.len(), buttons.len(), "action IDs unique in a block");
                }
                _ => {}
            }
        }
        assert!(total <= 12_000, "{total} characters in sections");
    }

    #[test]
    fn lists_each_warning_with_a_button_to_acknowledge_it() {
        let mut ws: Vec<Warning> = (1..=3)
            .map(|i| warning(i, &format!("[FIRING:1] Storm {i:03} down")))
            .collect();
        ws[1].acked_by = Some("UALICE".into());
        ws[2].finding.level = Level::Ok;
        ws[2].level = Level::Ok;
        let m = view(&ws, 3);
        within_limits(&m);
        assert!(
            m.text
                .starts_with("<@UONCALL> :rotating_light: *3 warnings at once*")
        );
        let all = format!("{:?}", m.blocks);
        assert!(
            all.contains("`1` :red_circle: [FIRING:1] Storm 001 down"),
            "{all}"
        );
        assert!(
            all.contains("Storm 002 down · :ok_hand: <@UALICE>"),
            "{all}"
        );
        assert!(all.contains("Storm 003 down · recovered"), "{all}");
        // Only the one still firing and unacknowledged has a button.
        let b = buttons(&m);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].value, "am:1");
        assert_eq!(b[0].text, "Ack 1");
        assert_eq!(
            Action::parse(&b[0].action_id),
            Some(Action::WarningAck),
            "the click is a warning's Acknowledge"
        );
        assert!(!all.contains("more"));
    }

    #[test]
    fn bounded_with_the_rest_counted() {
        let ws: Vec<Warning> = (1..=MAX_LISTED)
            .map(|i| warning(i, &format!("[FIRING:1] Storm {i:03} down")))
            .collect();
        let m = view(&ws, 750);
        within_limits(&m);
        assert_eq!(
            buttons(&m).len(),
            MAX_LISTED,
            "each listed one can be acked"
        );
        let all = format!("{:?}", m.blocks);
        assert!(all.contains("Storm 200 down"));
        assert!(all.contains("…and 550 more"), "{all}");
        assert!(m.text.contains("*750 warnings at once*"));
        // Closed: says so, and still lists them.
        let closed = render_rollup(
            &RollupView {
                listed: &ws[..2],
                total: 2,
                since: ws[0].first_seen,
                open: false,
                mentions: &["UONCALL".into()],
            },
            chrono_tz::Tz::UTC,
        );
        assert!(
            closed
                .text
                .starts_with(":white_check_mark: *The storm has passed: 2")
        );
        assert!(
            !closed.text.contains("UONCALL"),
            "no mention once it is over"
        );
    }

    #[test]
    fn hostile_label_text_is_quoted_and_long_text_kept_within_limits() {
        let hostile = "<!channel> <https://evil.example|click> & *bold* ".repeat(5);
        let mut ws: Vec<Warning> = (1..=3).map(|i| warning(i, &hostile)).collect();
        ws[0].acked_by = Some("<!here> the alert's sender".into());
        let m = view(&ws, 3);
        within_limits(&m);
        let all = format!("{:?}", m.blocks);
        for bad in ["<!channel>", "<!here>", " & "] {
            assert!(!all.contains(bad), "{bad} quoted: {all}");
        }
        assert!(all.contains("@channel") && all.contains("@here the alert's sender"));
        assert!(all.contains(" &amp; "), "{all}");
        // Lines that escape long make smaller sections, never longer ones; what does
        // not fit in a message is counted.
        let ws: Vec<Warning> = (1..=MAX_LISTED)
            .map(|i| warning(i, &"&".repeat(200)))
            .collect();
        let m = view(&ws, MAX_LISTED);
        within_limits(&m);
        let listed = buttons(&m).len();
        assert!(listed > 20 && listed < MAX_LISTED, "{listed}");
        let all = format!("{:?}", m.blocks);
        assert!(
            all.contains(&format!("…and {} more", MAX_LISTED - listed)),
            "{all}"
        );
    }
}
