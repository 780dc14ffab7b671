//! Typesetting in a child process, for the server. A PDF of a whole nation's round takes Typst a
//! few hundred megabytes for a third of a second; in the server's own process the allocator would
//! keep that memory long after (and a pathological document could take the server down with it).
//! So the server runs its own binary again (`uppfolj __typeset`), hands it the document as JSON on
//! standard input and reads the PDF from standard output: the memory is the system's again the
//! moment the child exits, a child that takes too long is killed, and at most [`AT_ONCE`] run at a
//! time. The command line typesets in its own process ([`crate::pdf`]), which ends anyway.
//!
//! The child reads only what the parent wrote and writes only the PDF; it opens no database.

use std::io::{Read, Write};
use std::process::{Command, ExitCode, Stdio};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::ReportError;

/// The argument that makes the binary a typesetter.
pub const ARG: &str = "__typeset";

/// How many children typeset at once; more wait their turn.
pub const AT_ONCE: usize = 2;

/// A child that takes longer than this is killed, and the request answered with an error.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// Which template a document is set with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Template {
    Report,
    Process,
}

impl Template {
    fn source(self) -> &'static str {
        match self {
            Template::Report => crate::pdf::TEMPLATE,
            Template::Process => crate::process::PDF_TEMPLATE,
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Job {
    template: Template,
    today: String,
    data: serde_json::Value,
}

/// In `main`, before anything else: when the binary was started as a typesetter, typesets what is
/// on standard input and says how it went; otherwise `None`.
pub fn run_if_child() -> Option<ExitCode> {
    if std::env::args().nth(1).as_deref() != Some(ARG) {
        return None;
    }
    let outcome = (|| -> Result<Vec<u8>, String> {
        let mut input = Vec::new();
        std::io::stdin().read_to_end(&mut input).map_err(|e| format!("standard in: {e}"))?;
        let job: Job = serde_json::from_slice(&input).map_err(|e| format!("uppdraget: {e}"))?;
        let today = uppfolj_domain::ids::parse_date(&job.today).map_err(|e| e.to_string())?;
        crate::pdf::typeset(job.template.source(), &job.data, today).map_err(|e| e.to_string())
    })();
    Some(match outcome {
        Ok(pdf) => match std::io::stdout().lock().write_all(&pdf) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    })
}

/// A counting semaphore for blocking threads (typesetting runs on them).
struct Turns {
    running: Mutex<usize>,
    freed: Condvar,
}

static TURNS: Turns = Turns { running: Mutex::new(0), freed: Condvar::new() };

struct Turn;

impl Turn {
    fn take() -> Turn {
        let mut running = TURNS.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while *running >= AT_ONCE {
            running = TURNS.freed.wait(running).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *running += 1;
        Turn
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut running = TURNS.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *running = running.saturating_sub(1);
        TURNS.freed.notify_one();
    }
}

/// Typesets `data` with `template` in a child process of this binary. Blocks: call it off the
/// async workers.
pub fn typeset(template: Template, data: &impl serde::Serialize, today: time::Date) -> Result<Vec<u8>, ReportError> {
    let failed = |what: String| ReportError::Render(format!("PDF: {what}"));
    let job = Job {
        template,
        today: uppfolj_domain::ids::format_date(today),
        data: serde_json::to_value(data).map_err(|e| failed(e.to_string()))?,
    };
    let input = serde_json::to_vec(&job).map_err(|e| failed(e.to_string()))?;
    let exe = std::env::current_exe().map_err(|e| failed(format!("programmet hittades inte: {e}")))?;
    let _turn = Turn::take();
    let mut child = Command::new(exe)
        .arg(ARG)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("sättningen kunde inte startas: {e}")))?;
    // The pipes are read and written on their own threads, so that neither side waits for the other.
    let mut stdin = child.stdin.take();
    let writer = std::thread::spawn(move || stdin.as_mut().map(|s| s.write_all(&input)).transpose());
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        stdout.as_mut().map(|s| s.read_to_end(&mut out)).transpose().map(|_| out)
    });
    let mut stderr = child.stderr.take();
    let errors = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = stderr.as_mut().map(|s| s.read_to_string(&mut out));
        out
    });
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > TIME_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(failed(format!("sättningen tog mer än {} sekunder och avbröts", TIME_LIMIT.as_secs())));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(failed(e.to_string())),
        }
    };
    let _ = writer.join();
    let pdf = reader.join().map_err(|_| failed("utdata".to_owned()))?.map_err(|e| failed(e.to_string()))?;
    let message = errors.join().unwrap_or_default();
    if !status.success() {
        return Err(failed(message.trim().to_owned()));
    }
    Ok(pdf)
}
