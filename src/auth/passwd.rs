//! Reading a new password for `omnilisten passwd`.
//!
//! On a terminal the password is typed twice without echo: `stty -echo`
//! turns echo off on the terminal itself (no crate needed; `stty` is in
//! coreutils) and a guard turns it back on, whatever happens. From a pipe
//! the first line is the password:
//! `printf '%s\n' "$PW" | omnilisten passwd`.

use std::io::{BufRead, IsTerminal, Write};
use std::process::{Command, Stdio};

use super::AuthError;

/// Shortest password accepted: a desk account guards publishing in the
/// company's name.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Reads the password from stdin: twice without echo on a terminal, one
/// line from a pipe. Prompts go to stderr, so stdout carries only the hash.
pub fn read_new_password() -> Result<String, AuthError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return checked(read_line(&mut stdin.lock())?);
    }
    let _echo = EchoOff::new();
    let first = prompt("New password: ")?;
    let second = prompt("Repeat it: ")?;
    if first != second {
        return Err(AuthError::Input("the two passwords differ".into()));
    }
    checked(first)
}

fn prompt(text: &str) -> Result<String, AuthError> {
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{text}");
    let _ = stderr.flush();
    let line = read_line(&mut std::io::stdin().lock());
    // Echo is off, so the user's Enter did not move the cursor.
    let _ = writeln!(stderr);
    line
}

/// One line without its line ending; an empty input is an error.
pub(super) fn read_line(input: &mut impl BufRead) -> Result<String, AuthError> {
    let mut line = String::new();
    let read = input
        .read_line(&mut line)
        .map_err(|e| AuthError::Input(format!("cannot read the password: {e}")))?;
    if read == 0 {
        return Err(AuthError::Input(
            "no password on stdin; type it, or pipe it: printf '%s\\n' \"$PW\" | omnilisten passwd"
                .into(),
        ));
    }
    if line.ends_with('\n') {
        line.pop();
        if line.ends_with('\r') {
            line.pop();
        }
    }
    Ok(line)
}

pub(super) fn checked(password: String) -> Result<String, AuthError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AuthError::Input(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    Ok(password)
}

/// Terminal echo off for its lifetime.
struct EchoOff {
    active: bool,
}

impl EchoOff {
    fn new() -> EchoOff {
        let active = stty("-echo");
        if !active {
            eprintln!("warning: cannot turn terminal echo off (no stty); the password will show");
        }
        EchoOff { active }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if self.active {
            stty("echo");
        }
    }
}

/// Runs `stty` on our own terminal (its stdin is ours).
fn stty(setting: &str) -> bool {
    Command::new("stty")
        .arg(setting)
        .stdin(Stdio::inherit())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_piped_line_loses_its_line_ending_only() {
        let mut input = std::io::Cursor::new(b" pass word \r\nsecond line\n".to_vec());
        assert_eq!(read_line(&mut input).expect("line"), " pass word ");
        let mut empty = std::io::Cursor::new(Vec::new());
        let err = read_line(&mut empty)
            .expect_err("nothing to read")
            .to_string();
        assert!(err.contains("printf"), "{err}");
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(checked("1234567".into()).is_err());
        assert!(
            checked("密码很长很长很长".into()).is_ok(),
            "characters, not bytes"
        );
    }
}
