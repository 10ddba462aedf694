//! What can go wrong while building an [`Analyzer`](super::Analyzer): only
//! configuration (dictionary files, the embedded converter), never a message.

use std::path::PathBuf;

/// A problem loading the analysis configuration.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// A dictionary directory or file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A line of a dictionary, stop-word or alias file is malformed.
    #[error("{}:{line}: {message}", path.display())]
    BadLine {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The embedded traditional → simplified converter could not be built.
    #[error("traditional → simplified converter: {0}")]
    Converter(String),
}
