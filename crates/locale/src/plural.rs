//! The `plural=` expression of a gettext `Plural-Forms` header: a small C
//! expression over `n` that picks which plural form to use.

use crate::LocaleError;

/// Python's `gettext.c2py` refuses expressions longer than this.
pub(crate) const DEFAULT_MAX_LEN: usize = 1000;
/// Python's `gettext.c2py` refuses more than 20 nested parentheses.
pub(crate) const DEFAULT_MAX_DEPTH: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinOp {
    /// Binding strength, as in Python's `gettext` (higher binds tighter).
    fn priority(self) -> u8 {
        match self {
            Self::Or => 1,
            Self::And => 2,
            Self::Eq | Self::Ne => 3,
            Self::Lt | Self::Gt | Self::Le | Self::Ge => 4,
            Self::Add | Self::Sub => 5,
            Self::Mul | Self::Div | Self::Rem => 6,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expr {
    N,
    Num(i64),
    Not(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
}

/// A compiled plural rule. The default (no `Plural-Forms` header) is the
/// Germanic rule `n != 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PluralRule(Expr);

impl Default for PluralRule {
    fn default() -> Self {
        Self(Expr::Bin(
            BinOp::Ne,
            Box::new(Expr::N),
            Box::new(Expr::Num(1)),
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    N,
    Num(i64),
    LParen,
    RParen,
    Not,
    Question,
    Colon,
    Op(BinOp),
    End,
}

fn err(message: impl Into<String>) -> LocaleError {
    LocaleError::PluralForms(message.into())
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn tokenize(src: &str) -> Result<Vec<Token>, LocaleError> {
    let mut tokens = Vec::new();
    let mut rest = src;
    while let Some(c) = rest.chars().next() {
        let (token, len) = match c {
            ' ' | '\t' => {
                rest = &rest[1..];
                continue;
            }
            '0'..='9' => {
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                if rest[digits..].chars().next().is_some_and(is_word) {
                    return Err(err(format!("invalid token {:?}", word_at(rest))));
                }
                let value = rest[..digits]
                    .parse()
                    .map_err(|_| err("number out of range"))?;
                (Token::Num(value), digits)
            }
            'n' if !rest[1..].chars().next().is_some_and(is_word) => (Token::N, 1),
            '(' => (Token::LParen, 1),
            ')' => (Token::RParen, 1),
            '?' => (Token::Question, 1),
            ':' => (Token::Colon, 1),
            '+' => (Token::Op(BinOp::Add), 1),
            '-' => (Token::Op(BinOp::Sub), 1),
            '*' => (Token::Op(BinOp::Mul), 1),
            '/' => (Token::Op(BinOp::Div), 1),
            '%' => (Token::Op(BinOp::Rem), 1),
            _ if rest.starts_with("&&") => (Token::Op(BinOp::And), 2),
            _ if rest.starts_with("||") => (Token::Op(BinOp::Or), 2),
            _ if rest.starts_with("==") => (Token::Op(BinOp::Eq), 2),
            _ if rest.starts_with("!=") => (Token::Op(BinOp::Ne), 2),
            _ if rest.starts_with("<=") => (Token::Op(BinOp::Le), 2),
            _ if rest.starts_with(">=") => (Token::Op(BinOp::Ge), 2),
            '<' => (Token::Op(BinOp::Lt), 1),
            '>' => (Token::Op(BinOp::Gt), 1),
            '!' => (Token::Not, 1),
            _ => return Err(err(format!("invalid token {:?}", word_at(rest)))),
        };
        tokens.push(token);
        rest = &rest[len..];
    }
    tokens.push(Token::End);
    Ok(tokens)
}

fn word_at(s: &str) -> &str {
    let end = s
        .char_indices()
        .find(|&(_, c)| !is_word(c))
        .map_or(s.len(), |(i, _)| i);
    if end == 0 {
        &s[..s.chars().next().map_or(0, char::len_utf8)]
    } else {
        &s[..end]
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    max_depth: usize,
}

impl Parser {
    fn peek(&self) -> Token {
        self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let t = self.peek();
        self.pos += 1;
        t
    }

    fn enter(&mut self) -> Result<(), LocaleError> {
        self.depth += 1;
        if self.depth > self.max_depth {
            Err(err("plural form expression is too complex"))
        } else {
            Ok(())
        }
    }

    /// A conditional expression: `cond ? a : b`, right-associative.
    fn conditional(&mut self) -> Result<Expr, LocaleError> {
        let cond = self.binary(0)?;
        if self.peek() != Token::Question {
            return Ok(cond);
        }
        self.bump();
        self.enter()?;
        let yes = self.conditional()?;
        if self.bump() != Token::Colon {
            return Err(err("expected ':'"));
        }
        let no = self.conditional()?;
        self.depth -= 1;
        Ok(Expr::Cond(Box::new(cond), Box::new(yes), Box::new(no)))
    }

    /// Binary operators binding at least as tightly as `min`, left to right.
    fn binary(&mut self, min: u8) -> Result<Expr, LocaleError> {
        let mut left = self.unary()?;
        while let Token::Op(op) = self.peek() {
            if op.priority() < min {
                break;
            }
            self.bump();
            let right = self.binary(op.priority() + 1)?;
            left = Expr::Bin(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, LocaleError> {
        match self.bump() {
            Token::Not => {
                self.enter()?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(Expr::Not(Box::new(inner)))
            }
            Token::LParen => {
                self.enter()?;
                let inner = self.conditional()?;
                if self.bump() != Token::RParen {
                    return Err(err("unbalanced parenthesis in plural form"));
                }
                self.depth -= 1;
                Ok(inner)
            }
            Token::N => Ok(Expr::N),
            Token::Num(v) => Ok(Expr::Num(v)),
            Token::End => Err(err("unexpected end of plural form")),
            other => Err(err(format!("unexpected token {other:?}"))),
        }
    }
}

impl PluralRule {
    /// Compiles an expression such as `(n > 1)` or
    /// `n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2`.
    pub(crate) fn parse(src: &str, max_len: usize, max_depth: usize) -> Result<Self, LocaleError> {
        if src.chars().count() > max_len {
            return Err(err("plural form expression is too long"));
        }
        let mut parser = Parser {
            tokens: tokenize(src)?,
            pos: 0,
            depth: 0,
            max_depth,
        };
        let expr = parser.conditional()?;
        if parser.peek() != Token::End {
            return Err(err(format!("unexpected token {:?}", parser.peek())));
        }
        Ok(Self(expr))
    }

    /// The index of the plural form for `n`, or `None` when the expression
    /// divides by zero, overflows or yields a negative number (the message
    /// then counts as untranslated).
    pub(crate) fn index(&self, n: i64) -> Option<usize> {
        usize::try_from(eval(&self.0, n)?).ok()
    }
}

/// Evaluates with Python's semantics, which `gettext` inherits from
/// translating the expression to Python: `&&`/`||` yield an operand (as
/// `and`/`or` do), comparisons yield 0 or 1, `/` and `%` floor.
fn eval(e: &Expr, n: i64) -> Option<i64> {
    Some(match e {
        Expr::N => n,
        Expr::Num(v) => *v,
        Expr::Not(inner) => i64::from(eval(inner, n)? == 0),
        Expr::Cond(c, a, b) => {
            if eval(c, n)? != 0 {
                eval(a, n)?
            } else {
                eval(b, n)?
            }
        }
        Expr::Bin(op, a, b) => {
            let l = eval(a, n)?;
            // `&&` and `||` short-circuit, so `n == 0 || 10 / n` is safe.
            match op {
                BinOp::And if l == 0 => l,
                BinOp::Or if l != 0 => l,
                _ => apply(*op, l, eval(b, n)?)?,
            }
        }
    })
}

/// One binary operator on evaluated operands (`&&` and `||` reach here
/// only when the right operand decides the result).
fn apply(op: BinOp, l: i64, r: i64) -> Option<i64> {
    Some(match op {
        BinOp::And | BinOp::Or => r,
        BinOp::Eq => i64::from(l == r),
        BinOp::Ne => i64::from(l != r),
        BinOp::Lt => i64::from(l < r),
        BinOp::Gt => i64::from(l > r),
        BinOp::Le => i64::from(l <= r),
        BinOp::Ge => i64::from(l >= r),
        BinOp::Add => l.checked_add(r)?,
        BinOp::Sub => l.checked_sub(r)?,
        BinOp::Mul => l.checked_mul(r)?,
        BinOp::Div => floor_div(l, r)?,
        BinOp::Rem => l.checked_sub(floor_div(l, r)?.checked_mul(r)?)?,
    })
}

fn floor_div(l: i64, r: i64) -> Option<i64> {
    let q = l.checked_div(r)?;
    if (l % r != 0) && ((l < 0) != (r < 0)) {
        q.checked_sub(1)
    } else {
        Some(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(s: &str) -> PluralRule {
        PluralRule::parse(s, DEFAULT_MAX_LEN, DEFAULT_MAX_DEPTH).unwrap()
    }

    #[test]
    fn common_rules() {
        let fr = rule("(n > 1)");
        assert_eq!([0, 1, 2].map(|n| fr.index(n)), [Some(0), Some(0), Some(1)]);
        let ru = rule(
            "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)",
        );
        assert_eq!(
            [1, 2, 5, 11, 21, 22, 25].map(|n| ru.index(n).unwrap()),
            [0, 1, 2, 2, 0, 1, 2]
        );
        let ar =
            rule("n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5");
        assert_eq!(
            [0, 1, 2, 5, 11, 100].map(|n| ar.index(n).unwrap()),
            [0, 1, 2, 3, 4, 5]
        );
        assert_eq!(PluralRule::default().index(1), Some(0));
        assert_eq!(PluralRule::default().index(0), Some(1));
        assert_eq!(rule("0").index(7), Some(0));
    }

    #[test]
    fn python_semantics() {
        assert_eq!(rule("n && 5").index(3), Some(5));
        assert_eq!(rule("n || 5").index(0), Some(5));
        assert_eq!(rule("!n").index(0), Some(1));
        assert_eq!(rule("n / 0").index(3), None);
        assert_eq!(rule("n - 5").index(3), None);
        assert_eq!(rule("(n - 7) % 3").index(0), Some(2));
        assert_eq!(rule("2 - 1 - 1").index(0), Some(0));
    }

    #[test]
    fn bad_expressions() {
        for bad in [
            "",
            "n >",
            "(n",
            "n)",
            "1n",
            "x",
            "n ? 1",
            "n ++ 1",
            "n & 1",
            "99999999999999999999",
        ] {
            assert!(
                PluralRule::parse(bad, DEFAULT_MAX_LEN, DEFAULT_MAX_DEPTH).is_err(),
                "{bad}"
            );
        }
        let deep = format!("{}n{}", "(".repeat(21), ")".repeat(21));
        assert!(PluralRule::parse(&deep, DEFAULT_MAX_LEN, DEFAULT_MAX_DEPTH).is_err());
        assert!(PluralRule::parse(&deep, DEFAULT_MAX_LEN, 21).is_ok());
        let long = format!("n{}", " ".repeat(1000));
        assert!(PluralRule::parse(&long, DEFAULT_MAX_LEN, DEFAULT_MAX_DEPTH).is_err());
        assert!(PluralRule::parse(&long, 1001, DEFAULT_MAX_DEPTH).is_ok());
    }
}
