//! A data file's problems, each with its line and field, as the CLI and the web show them.

use std::fmt;

/// One problem in a data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    /// Where in the data, in Swedish: `omgång 2024 › mål 3.3 › nivå för RN`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "rad {line}: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found in a data file; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataErrors(pub Vec<DataError>);

impl fmt::Display for DataErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DataErrors {}

impl DataErrors {
    /// The first `max` errors as [`with_file`](Self::with_file) gives them, and how many more there are.
    pub fn summary(&self, file: &str, max: usize) -> String {
        let shown = DataErrors(self.0.iter().take(max).cloned().collect()).with_file(file);
        match self.0.len().saturating_sub(max) {
            0 => shown,
            more => format!("{shown}\n… och {} fel till", crate::input::grouped(more)),
        }
    }

    /// The same errors, each prefixed `FILE:LINE:` (or `FILE:`) the way compilers do.
    pub fn with_file(&self, file: &str) -> String {
        self.0
            .iter()
            .map(|e| {
                let loc = e.line.map(|l| format!("{file}:{l}")).unwrap_or_else(|| file.to_owned());
                let path = if e.path.is_empty() { String::new() } else { format!("{}: ", e.path) };
                format!("{loc}: {path}{}", e.message)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}
