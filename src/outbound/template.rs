//! Reply templates (`rules/templates/*.txt`): plain UTF-8 text with
//! `{ticket}`, `{subject}`, `{name}` and `{topic}`, and `{{` / `}}` for
//! literal braces.
//! Parsed once when the config is loaded, so a typo in a variable is a
//! config problem with its line, not a mail with `{tikcet}` in it.

use std::fmt;

/// The variables a template may use.
pub const VARIABLES: [&str; 4] = ["ticket", "subject", "name", "topic"];

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Variable(Variable),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variable {
    Ticket,
    Subject,
    Name,
    Topic,
}

/// The values filled in.
#[derive(Debug, Clone, Copy)]
pub struct Values<'a> {
    /// The ticket number, `20261127-000042`.
    pub ticket: &'a str,
    /// The customer's subject (may be empty).
    pub subject: &'a str,
    /// How to address the customer.
    pub name: &'a str,
    /// The title of the trending topic a reply is about (empty otherwise).
    pub topic: &'a str,
}

/// A mistake in a template, located for `omnilisten check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl Template {
    /// Parses a template; every mistake is reported, not just the first.
    pub fn parse(text: &str) -> Result<Template, Vec<TemplateError>> {
        let chars: Vec<char> = text.chars().collect();
        let mut out = Builder::default();
        let (mut line, mut column) = (1, 1);
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            let next = chars.get(i + 1).copied();
            let width = match (c, next) {
                ('{', Some('{')) | ('}', Some('}')) => {
                    out.literal.push(c);
                    2
                }
                ('{', _) => {
                    // A variable ends on its own line.
                    let rest = chars.get(i + 1..).unwrap_or_default();
                    let end = rest.iter().position(|&x| x == '}' || x == '\n');
                    match end.filter(|&e| rest.get(e) == Some(&'}')) {
                        Some(e) => {
                            let name: String = rest.get(..e).unwrap_or_default().iter().collect();
                            out.variable(name.trim(), line, column);
                            e + 2
                        }
                        None => {
                            out.error(
                                line,
                                column,
                                "`{` is not closed: write `{{` for a literal brace",
                            );
                            out.literal.push(c);
                            1
                        }
                    }
                }
                ('}', _) => {
                    out.error(line, column, "a lone `}`: write `}}` for a literal brace");
                    1
                }
                _ => {
                    out.literal.push(c);
                    1
                }
            };
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += width;
            }
            i += width;
        }
        out.finish()
    }

    /// Fills in the values.
    pub fn render(&self, values: &Values<'_>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Variable(Variable::Ticket) => out.push_str(values.ticket),
                Part::Variable(Variable::Subject) => out.push_str(values.subject),
                Part::Variable(Variable::Name) => out.push_str(values.name),
                Part::Variable(Variable::Topic) => out.push_str(values.topic),
            }
        }
        out
    }

    /// Whether the template names `{ticket}` (a customer needs the number).
    pub fn mentions_ticket(&self) -> bool {
        self.parts.contains(&Part::Variable(Variable::Ticket))
    }
}

/// Collects parts and errors while parsing.
#[derive(Default)]
struct Builder {
    parts: Vec<Part>,
    literal: String,
    errors: Vec<TemplateError>,
}

impl Builder {
    fn variable(&mut self, name: &str, line: usize, column: usize) {
        let variable = match name {
            "ticket" => Variable::Ticket,
            "subject" => Variable::Subject,
            "name" => Variable::Name,
            "topic" => Variable::Topic,
            _ => {
                let known = crate::config::quoted_list(VARIABLES);
                let message = format!("unknown variable `{{{name}}}`, expected one of {known}");
                self.error(line, column, &message);
                return;
            }
        };
        if !self.literal.is_empty() {
            self.parts
                .push(Part::Text(std::mem::take(&mut self.literal)));
        }
        self.parts.push(Part::Variable(variable));
    }

    fn error(&mut self, line: usize, column: usize, message: &str) {
        self.errors.push(TemplateError {
            line,
            column,
            message: message.to_string(),
        });
    }

    fn finish(mut self) -> Result<Template, Vec<TemplateError>> {
        if !self.literal.is_empty() {
            self.parts
                .push(Part::Text(std::mem::take(&mut self.literal)));
        }
        if self.errors.is_empty() {
            Ok(Template { parts: self.parts })
        } else {
            Err(self.errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUES: Values<'static> = Values {
        ticket: "20261127-000042",
        subject: "转账转错了",
        name: "王小明",
        topic: "",
    };

    #[test]
    fn fills_in_every_variable_and_keeps_literal_braces() {
        let t = Template::parse("{name}您好：\n工单 {ticket}（{ subject }）已收到。{{不是变量}}\n")
            .expect("valid");
        assert_eq!(
            t.render(&VALUES),
            "王小明您好：\n工单 20261127-000042（转账转错了）已收到。{不是变量}\n"
        );
        assert!(t.mentions_ticket());
    }

    #[test]
    fn unknown_and_unclosed_variables_are_located() {
        let errors = Template::parse("您好\n工单 {tikcet} 与 {name\n}").expect_err("invalid");
        let located: Vec<(usize, usize, &str)> = errors
            .iter()
            .map(|e| (e.line, e.column, e.message.as_str()))
            .collect();
        assert_eq!(
            located,
            [
                (
                    2,
                    4,
                    "unknown variable `{tikcet}`, expected one of `ticket`, `subject`, `name`, `topic`"
                ),
                (2, 15, "`{` is not closed: write `{{` for a literal brace"),
                (3, 1, "a lone `}`: write `}}` for a literal brace"),
            ]
        );
    }

    #[test]
    fn the_shipped_template_is_valid_and_names_the_ticket() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/rules/templates/acknowledgement.txt"
        );
        let text = std::fs::read_to_string(path).expect("shipped template");
        let t = Template::parse(&text).expect("valid");
        assert!(t.mentions_ticket());
        assert!(t.render(&VALUES).contains("20261127-000042"));
    }
}
