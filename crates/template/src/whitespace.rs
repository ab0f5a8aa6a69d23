//! Whitespace modes: Tornado's `filter_whitespace`.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind};
use crate::value::repr::py_isspace;

/// How literal template text is compressed (Tornado's `whitespace` setting).
#[doc(alias = "whitespace")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Whitespace {
    /// `"all"`: keep everything unchanged.
    All,
    /// `"single"`: collapse each run of spaces and tabs to one space, then
    /// each whitespace run containing a newline to a single newline.
    Single,
    /// `"oneline"`: collapse every whitespace run to one space.
    Oneline,
}

impl Whitespace {
    /// Tornado's default for a template name: `single` for `.html` and
    /// `.js` files, `all` otherwise.
    pub fn for_name(name: &str) -> Whitespace {
        if name.ends_with(".html") || name.ends_with(".js") {
            Whitespace::Single
        } else {
            Whitespace::All
        }
    }

    /// The mode's name as written in `{% whitespace %}`.
    pub fn as_str(self) -> &'static str {
        match self {
            Whitespace::All => "all",
            Whitespace::Single => "single",
            Whitespace::Oneline => "oneline",
        }
    }
}

impl fmt::Display for Whitespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Whitespace {
    type Err = Error;

    /// Parses `all`, `single` or `oneline`; anything else is Tornado's
    /// `Exception("invalid whitespace mode ...")`.
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "all" => Ok(Whitespace::All),
            "single" => Ok(Whitespace::Single),
            "oneline" => Ok(Whitespace::Oneline),
            _ => Err(Error::new(
                ErrorKind::Exception,
                format!("invalid whitespace mode {s}"),
            )),
        }
    }
}

/// Transforms `text` according to `mode`, as Tornado's
/// `tornado.template.filter_whitespace` does.
///
/// ```
/// use tornado_template::{filter_whitespace, Whitespace};
/// assert_eq!(filter_whitespace(Whitespace::Single, "a  \n\n   b\t\tc"), "a\nb c");
/// assert_eq!(filter_whitespace(Whitespace::Oneline, "a \n b"), "a b");
/// ```
pub fn filter_whitespace(mode: Whitespace, text: &str) -> String {
    match mode {
        Whitespace::All => text.to_owned(),
        Whitespace::Oneline => {
            let mut out = String::with_capacity(text.len());
            let mut in_run = false;
            for c in text.chars() {
                if py_isspace(c) {
                    if !in_run {
                        out.push(' ');
                        in_run = true;
                    }
                } else {
                    out.push(c);
                    in_run = false;
                }
            }
            out
        }
        Whitespace::Single => {
            // Step 1: runs of spaces and tabs become one space.
            let mut step1 = String::with_capacity(text.len());
            let mut in_run = false;
            for c in text.chars() {
                if c == ' ' || c == '\t' {
                    if !in_run {
                        step1.push(' ');
                        in_run = true;
                    }
                } else {
                    step1.push(c);
                    in_run = false;
                }
            }
            // Step 2: a whitespace run that contains a newline becomes "\n".
            let mut out = String::with_capacity(step1.len());
            let mut run = String::new();
            let mut run_has_newline = false;
            for c in step1.chars() {
                if py_isspace(c) {
                    run.push(c);
                    run_has_newline |= c == '\n';
                } else {
                    flush_run(&mut out, &mut run, &mut run_has_newline);
                    out.push(c);
                }
            }
            flush_run(&mut out, &mut run, &mut run_has_newline);
            out
        }
    }
}

fn flush_run(out: &mut String, run: &mut String, has_newline: &mut bool) {
    if *has_newline {
        out.push('\n');
    } else {
        out.push_str(run);
    }
    run.clear();
    *has_newline = false;
}
