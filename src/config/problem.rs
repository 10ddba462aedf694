//! What `omnilisten check` prints: every problem found in the config tree,
//! each with the file and the line and column it is about.

use std::fmt;
use std::path::PathBuf;

/// One thing wrong with the configuration, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, as the path was given (relative paths stay relative to the cwd).
    pub file: PathBuf,
    /// 1-based line; 0 when no line makes sense (a missing or unreadable file, a bad file name).
    pub line: usize,
    /// 1-based column in characters (not bytes: the files hold Chinese text); 0 with line 0.
    pub column: usize,
    /// What is wrong and, when it is not obvious, how to fix it.
    pub message: String,
}

impl Problem {
    /// A problem about a file as a whole, such as one that cannot be read.
    pub fn whole_file(file: impl Into<PathBuf>, message: impl Into<String>) -> Problem {
        Problem {
            file: file.into(),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    /// `path:line:column: message`, the form editors and CI logs link to;
    /// `path: message` when the problem has no line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        if self.line == 0 {
            write!(f, "{file}: {}", self.message)
        } else {
            write!(f, "{file}:{}:{}: {}", self.line, self.column, self.message)
        }
    }
}

/// Every problem found while loading the configuration, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.0))]
pub struct Problems(pub Vec<Problem>);

fn render(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(Problem::to_string).collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_located_line_per_problem() {
        let problems = Problems(vec![
            Problem {
                file: "rules/10-refund.toml".into(),
                line: 7,
                column: 3,
                message: "unknown field `queu`".into(),
            },
            Problem::whole_file("omnilisten.toml", "cannot read: not found"),
        ]);
        assert_eq!(
            problems.to_string(),
            "rules/10-refund.toml:7:3: unknown field `queu`\nomnilisten.toml: cannot read: not found"
        );
    }
}
