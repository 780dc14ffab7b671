//! The e-mails Uppfölj sends, in Swedish: what each moment of a round says, to whom it is, and the
//! page it links to (added by the sender with the installation's address). Pure text; the store
//! writes them to the outbox in the transaction of the change that causes them.

use time::Date;

use crate::GoalRef;
use crate::ids::swedish_date;

/// A message's subject and body (without the link line the sender adds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub subject: String,
    pub body: String,
}

fn text(subject: String, lines: &[String]) -> Text {
    let mut body = lines.join("\n\n");
    body.push_str(
        "\n\nDet här meddelandet kommer från Uppfölj. Du kan stänga av de utskick du inte vill ha under Mitt konto.",
    );
    Text { subject, body }
}

/// The round is open: a region's reporters are asked to answer by the deadline.
pub fn round_opened(plan: &str, year: i32, region: &str, deadline: Date) -> Text {
    text(
        format!("Uppföljningen {year} är öppen: {region} kan svara"),
        &[
            format!("RCC har öppnat uppföljningen {year} av {plan}."),
            format!(
                "Fyll i {region}s nivåer och kommentarer för varje mål och skicka in dem senast {}.",
                swedish_date(deadline)
            ),
        ],
    )
}

/// Days before the deadline (or on it), the goals still missing a level or a comment.
pub fn reminder(
    plan: &str,
    year: i32,
    region: &str,
    deadline: Date,
    days_left: i64,
    missing: &[(GoalRef, &'static str)],
) -> Text {
    let when = match days_left {
        0 => "i dag".to_owned(),
        1 => "i morgon".to_owned(),
        d => format!("om {d} dagar"),
    };
    let mut lines = vec![format!(
        "Påminnelse: {region}s svar i uppföljningen {year} av {plan} ska skickas in {when} ({}).",
        swedish_date(deadline)
    )];
    if missing.is_empty() {
        lines.push("Alla mål har nivå och kommentar; det som återstår är att skicka in svaren.".to_owned());
    } else {
        let list: Vec<String> = missing.iter().map(|(g, what)| format!("- mål {g}: {what}")).collect();
        lines.push(format!("Det här saknas ännu ({} mål):\n{}", missing.len(), list.join("\n")));
    }
    text(format!("Påminnelse: uppföljningen {year} ska in {when}"), &lines)
}

/// The deadline has passed and the region has not submitted.
pub fn overdue(plan: &str, year: i32, region: &str, deadline: Date, missing: usize) -> Text {
    text(
        format!("{region}s svar i uppföljningen {year} är försenade"),
        &[
            format!(
                "Sista dagen för {region}s svar i uppföljningen {year} av {plan} var {}, och svaren är inte inskickade.",
                swedish_date(deadline)
            ),
            if missing == 0 {
                "Alla mål har nivå och kommentar; svaren behöver skickas in.".to_owned()
            } else {
                format!("{missing} mål saknar ännu nivå eller kommentar.")
            },
        ],
    )
}

/// A care process's follow-up of the year waits for its leader: to fill in and sign.
pub fn process_waiting(plan: &str, year: i32, process: &str, deadline: Date) -> Text {
    text(
        format!("Processuppföljningen {year} för {process} väntar på dig"),
        &[
            format!("Uppföljningen {year} av {plan} är öppen, och processuppföljningen för {process} väntar på dig."),
            format!("Fyll i den och signera den senast {}.", swedish_date(deadline)),
        ],
    )
}

/// The RCC sent a region's answers back, with its reason.
pub fn returned(plan: &str, year: i32, region: &str, reason: &str) -> Text {
    text(
        format!("RCC har skickat tillbaka {region}s svar i uppföljningen {year}"),
        &[
            format!("RCC har skickat tillbaka {region}s svar i uppföljningen {year} av {plan} för komplettering."),
            format!("RCC:s skäl:\n{reason}"),
            "Ändra svaren och skicka in dem igen.".to_owned(),
        ],
    )
}

/// A region submitted (or resubmitted) its answers: for the RCC to review.
pub fn submitted(plan: &str, year: i32, region: &str, again: bool) -> Text {
    let how = if again { "skickat in sina kompletterade svar" } else { "skickat in sina svar" };
    text(
        format!("{region} har {how} i uppföljningen {year}"),
        &[format!("{region} har {how} i uppföljningen {year} av {plan}. De väntar på granskning.")],
    )
}

/// The RCC moved the round's deadline: the regions not yet submitted are told the new day.
pub fn deadline_moved(plan: &str, year: i32, region: &str, new: Date) -> Text {
    text(
        format!("Ny sista dag i uppföljningen {year}: {}", swedish_date(new)),
        &[format!(
            "RCC har ändrat sista dagen i uppföljningen {year} av {plan}. {region}s svar ska nu vara inskickade senast {}.",
            swedish_date(new)
        )],
    )
}

/// The RCC accepted a region's answers.
pub fn accepted(plan: &str, year: i32, region: &str) -> Text {
    text(
        format!("RCC har godkänt {region}s svar i uppföljningen {year}"),
        &[format!("RCC har godkänt {region}s svar i uppföljningen {year} av {plan}. Tack!")],
    )
}

/// The round is published.
pub fn published(plan: &str, year: i32) -> Text {
    text(
        format!("Uppföljningen {year} av {plan} är publicerad"),
        &[format!("RCC har publicerat uppföljningen {year} av {plan}. Den sammanställda rapporten finns på sidan.")],
    )
}

/// A link for `name` to choose a password: an invitation to a new account, or a new password for
/// a forgotten one. Always sent (it cannot be turned off), so without the footer about choosing.
pub fn password_link(name: &str, username: &str, invitation: bool, until: &str) -> Text {
    let (subject, first) = if invitation {
        (
            "Välkommen till Uppfölj: välj ditt lösenord".to_owned(),
            format!("Hej {name}! Det finns nu ett konto i Uppfölj för dig, med användarnamnet {username}."),
        )
    } else {
        (
            "Uppfölj: välj ett nytt lösenord".to_owned(),
            format!("Hej {name}! Någon har bett om ett nytt lösenord för ditt konto {username} i Uppfölj."),
        )
    };
    let body = [
        first,
        format!("Öppna länken nedan och välj ett lösenord. Länken går att använda en gång, till {until}."),
        if invitation {
            "Har du inte väntat dig det här? Då kan du strunta i meddelandet.".to_owned()
        } else {
            "Har du inte bett om det? Då kan du strunta i meddelandet: ditt lösenord ändras bara om länken används."
                .to_owned()
        },
    ]
    .join("\n\n");
    Text { subject, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reminder_names_what_is_missing() {
        let d = crate::ids::parse_date("2026-03-31").unwrap();
        let t = reminder(
            "Planen",
            2025,
            "RN",
            d,
            3,
            &[(GoalRef::new(3, 3), "nivå och kommentar"), (GoalRef::new(1, 2), "kommentar")],
        );
        assert_eq!(t.subject, "Påminnelse: uppföljningen 2025 ska in om 3 dagar");
        assert!(t.body.contains("- mål 3.3: nivå och kommentar\n- mål 1.2: kommentar"), "{}", t.body);
        assert!(t.body.contains("31 mars 2026"));
        let r = returned("Planen", 2025, "RN", "Komplettera mål 3.3");
        assert!(r.body.contains("RCC:s skäl:\nKomplettera mål 3.3"));
    }

    #[test]
    fn a_password_link_says_what_it_is_and_until_when() {
        let t = password_link("Anna", "anna", true, "8 december 2026 kl. 10.00");
        assert!(t.subject.starts_with("Välkommen"), "{}", t.subject);
        assert!(t.body.contains("användarnamnet anna") && t.body.contains("en gång, till 8 december"), "{}", t.body);
        assert!(!t.body.contains("stänga av"), "an invitation cannot be turned off: {}", t.body);
        let r = password_link("Anna", "anna", false, "2 december 2026 kl. 10.00");
        assert!(r.subject.contains("nytt lösenord") && r.body.contains("ändras bara om länken används"));
    }
}
